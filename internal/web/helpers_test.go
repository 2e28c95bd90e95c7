package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store/storetest"
)

// Ids of the demo workspace (API.md "The demo workspace").
const (
	johnDoe    = "414a6d692bd645ed803f2e7ce360d4c8"
	marioRossi = "ff8bec9363bc4c29b8b044eabf2afebd"
	janeRoe    = "efd7d996470e463b89f079be6cf578ed"
	teamSup    = "47aad5f9b4ca423c9d630f06ab93fe1f"
	waMain     = "7c996996fea947f4a1d5a11e7fac84db"
	tgMain     = "759edec71ff440b29fc635c5fac84d4f"
)

// otherAccount is a second workspace, for isolation tests.
const otherAccount = `
accounts:
  - name: Other
    tokens: ["other-token"]
    users:
      - {email: olga@other.test, name: Olga, admin: true, password: "olga-secret-1"}
    channels:
      - {type: whatsapp, title: Other line, identifier: "+44 20 7946 0000", main: true}
    contacts:
      - {uuid: 0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f, name: Olga Customer, identifier: "+44 7700 900123", source: whatsapp}
  - name: Demo
    users:
      - {email: jane.doe@email.com, password: "jane-secret-1"}
`

const olgaCustomer = "0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f"

// each runs fn on a fresh server per engine.
func each(t *testing.T, fn func(t *testing.T, s *apitest.Server), opts ...func(testing.TB) apitest.Option) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		var o []apitest.Option
		for _, f := range opts {
			o = append(o, f(t))
		}
		fn(t, apitest.Start(t, e, o...))
	})
}

func withOther(t testing.TB) apitest.Option { return apitest.WithSeed(t, otherAccount) }

// browser is a web client with its own cookies that does not follow
// redirects, so that tests see each answer.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, s *apitest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer: status, headers and body.
type page struct {
	Status int
	Header http.Header
	Body   string
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form as a page of this site would (Sec-Fetch-Site:
// same-origin); header adds or overrides headers.
func (b *browser) post(path string, form url.Values, header ...string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// signIn signs in with the token and fails the test unless it worked.
func (b *browser) signIn(token string) {
	b.t.Helper()
	p := b.post("/signin", url.Values{"token": {token}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/" {
		b.t.Fatalf("sign in with a token: %d %s", p.Status, p.Header.Get("Location"))
	}
}

// signInPassword signs in with an e-mail and password.
func (b *browser) signInPassword(email, password string) {
	b.t.Helper()
	p := b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d %s", email, p.Status, p.Body)
	}
}

// wantStatus fails the test unless p has the status.
func (p *page) wantStatus(t *testing.T, what string, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d; body:\n%.2000s", what, p.Status, status, p.Body)
	}
}

// conversationPath is the path of a contact's conversationHref.
func conversationPath(t *testing.T, s *apitest.Server, token, contactID string) string {
	t.Helper()
	r := s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + contactID, Token: token})
	var body struct {
		Contact struct {
			ConversationHref string `json:"conversationHref"`
		} `json:"contact"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Contact.ConversationHref == "" {
		t.Fatalf("contact %s: %d %s", contactID, r.Status, r.Body)
	}
	u, err := url.Parse(body.Contact.ConversationHref)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// row returns the inbox row of the contact named name in an inbox page, ""
// when the page has none.
func row(body, name string) string {
	for _, r := range strings.Split(body, `<li class="row`)[1:] {
		r, _, _ = strings.Cut(r, "</li>")
		if strings.Contains(r, `<strong class="name">`+name+`</strong>`) {
			return r
		}
	}
	return ""
}

// eventNames are the names of the events recorded after the first n.
func eventNames(s *apitest.Server, token string, n int) []string {
	var out []string
	for _, e := range s.Events(token)[n:] {
		out = append(out, e.Name)
	}
	return out
}

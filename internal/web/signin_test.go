package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestSignInWithToken: a page without a session sends to the sign-in page;
// the API token opens a session in an HttpOnly, SameSite cookie, acting as
// the account's first admin; a wrong token does not.
func TestSignInWithToken(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		p := b.get("/contacts/" + johnDoe)
		p.wantStatus(t, "a conversation without a session", http.StatusSeeOther)
		if loc := p.Header.Get("Location"); loc != "/signin?next=%2Fcontacts%2F"+johnDoe {
			t.Errorf("redirect to %q", loc)
		}
		p = b.get("/signin?next=/contacts/" + johnDoe)
		p.wantStatus(t, "the sign-in page", http.StatusOK)
		for _, want := range []string{`name="token"`, `name="email"`, `name="password"`, `<label for="token">`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the sign-in page lacks %s", want)
			}
		}
		p = b.post("/signin", url.Values{"token": {"not-a-token"}})
		p.wantStatus(t, "a wrong token", http.StatusUnauthorized)
		if !strings.Contains(p.Body, "That token is not valid.") || p.Header.Get("Set-Cookie") != "" {
			t.Errorf("a wrong token: cookie %q, body lacks the problem", p.Header.Get("Set-Cookie"))
		}
		p = b.post("/signin", url.Values{"token": {s.Token}, "next": {"/contacts/" + johnDoe}})
		p.wantStatus(t, "sign in", http.StatusSeeOther)
		if loc := p.Header.Get("Location"); loc != "/contacts/"+johnDoe {
			t.Errorf("after sign in: to %q", loc)
		}
		c := p.Header.Get("Set-Cookie")
		for _, want := range []string{"openbell_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(c, want) {
				t.Errorf("cookie %q lacks %s", c, want)
			}
		}
		if strings.Contains(c, "Secure") {
			t.Errorf("cookie %q is Secure on an http public URL", c)
		}
		p = b.get("/")
		p.wantStatus(t, "the inbox", http.StatusOK)
		if !strings.Contains(p.Body, "Signed in as <strong>John Doe</strong>") || !strings.Contains(p.Body, "Mario Rossi") {
			t.Errorf("the inbox does not show John Doe signed in and Mario Rossi's conversation:\n%.3000s", p.Body)
		}
		// A next that leaves the site goes to the inbox instead.
		p = b.post("/signin", url.Values{"token": {s.Token}, "next": {"//evil.example/x"}})
		if loc := p.Header.Get("Location"); loc != "/" {
			t.Errorf("next to another site: redirected to %q", loc)
		}
	})
}

// TestSignInWithPassword: a user whose password the fixture sets signs in
// with it, as that user; a wrong password or an unknown e-mail does not.
func TestSignInWithPassword(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		for _, bad := range []url.Values{
			{"email": {"jane.doe@email.com"}, "password": {"jane-secret-2"}},
			{"email": {"nobody@email.com"}, "password": {"jane-secret-1"}},
			{"email": {"john.doe@email.com"}, "password": {""}},
		} {
			p := b.post("/signin", bad)
			p.wantStatus(t, "sign in with "+bad.Encode(), http.StatusUnauthorized)
			if !strings.Contains(p.Body, "Wrong e-mail or password.") || !strings.Contains(p.Body, bad.Get("email")) {
				t.Errorf("a wrong password: the page does not say so or lost the e-mail")
			}
		}
		b.signInPassword("Jane.Doe@email.com", "jane-secret-1")
		p := b.get("/")
		p.wantStatus(t, "the inbox", http.StatusOK)
		if !strings.Contains(p.Body, "Signed in as <strong>Jane Doe</strong>") {
			t.Errorf("signed in as someone else than Jane Doe")
		}
		// Another account's user lands in her own account.
		o := newBrowser(t, s)
		o.signInPassword("olga@other.test", "olga-secret-1")
		p = o.get("/")
		if !strings.Contains(p.Body, "Olga Customer") || strings.Contains(p.Body, "John Doe") {
			t.Errorf("Olga's inbox does not show her account's conversations only:\n%.3000s", p.Body)
		}
	}, withOther)
}

// TestSignOut: signing out ends the session on the server: the old cookie
// no longer opens a page.
func TestSignOut(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Token)
		u, _ := url.Parse(s.URL)
		old := b.c.Jar.Cookies(u)
		p := b.post("/signout", nil)
		p.wantStatus(t, "sign out", http.StatusSeeOther)
		if !strings.Contains(p.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("sign out does not clear the cookie: %q", p.Header.Get("Set-Cookie"))
		}
		b.get("/").wantStatus(t, "the inbox after sign out", http.StatusSeeOther)
		b.c.Jar.SetCookies(u, old)
		b.get("/").wantStatus(t, "the inbox with the cookie of the ended session", http.StatusSeeOther)
	})
}

// TestSessionEndsWithItsToken: revoking the token a session was opened with
// ends the session.
func TestSessionEndsWithItsToken(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn("other-token")
		b.get("/").wantStatus(t, "the inbox", http.StatusOK)
		err := s.App.Store.Write(context.Background(), func(tx store.Tx) error {
			p, err := tx.PrincipalByTokenHash(ob.HashToken("other-token"))
			if err != nil {
				return err
			}
			return tx.DeleteToken(p.TokenID)
		})
		if err != nil {
			t.Fatal(err)
		}
		b.get("/").wantStatus(t, "the inbox after the token was revoked", http.StatusSeeOther)
	}, withOther)
}

// TestCrossSiteFormsRefused: a form posted from another site changes
// nothing (http.CrossOriginProtection).
func TestCrossSiteFormsRefused(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Token)
		before := len(s.Events(""))
		p := b.post("/contacts/"+johnDoe+"/close", nil, "Sec-Fetch-Site", "cross-site")
		p.wantStatus(t, "a cross-site close", http.StatusForbidden)
		p = b.post("/contacts/"+johnDoe+"/note", url.Values{"note": {"x"}}, "Sec-Fetch-Site", "", "Origin", "http://evil.example")
		p.wantStatus(t, "a note from another origin", http.StatusForbidden)
		p = b.post("/signin", url.Values{"token": {s.Token}}, "Sec-Fetch-Site", "cross-site")
		p.wantStatus(t, "a cross-site sign-in", http.StatusForbidden)
		if after := len(s.Events("")); after != before {
			t.Errorf("cross-site posts fired %d events", after-before)
		}
	})
}

// TestSignInRateLimited: past the limit of failed sign-ins per minute, an
// address is refused, even with a good token.
func TestSignInRateLimited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		cfg := apitest.NewConfig(t, e)
		cfg.SignInLimit = 3
		s := apitest.StartConfig(t, cfg)
		b := newBrowser(t, s)
		for i := range 3 {
			b.post("/signin", url.Values{"token": {"wrong"}}).wantStatus(t, "wrong token "+string(rune('1'+i)), http.StatusUnauthorized)
		}
		p := b.post("/signin", url.Values{"token": {s.Token}})
		p.wantStatus(t, "a sign-in past the limit", http.StatusTooManyRequests)
		if p.Header.Get("Retry-After") == "" || p.Header.Get("Set-Cookie") != "" {
			t.Errorf("past the limit: Retry-After %q, cookie %q", p.Header.Get("Retry-After"), p.Header.Get("Set-Cookie"))
		}
	})
}

// TestSecureCookieOnHTTPS: with an https public URL the cookie is Secure.
func TestSecureCookieOnHTTPS(t *testing.T) {
	t.Parallel()
	cfg := apitest.NewConfig(t, storetest.Engines()[0])
	cfg.PublicURL = "https://inbox.example"
	s := apitest.StartConfig(t, cfg)
	p := newBrowser(t, s).post("/signin", url.Values{"token": {s.Token}})
	if c := p.Header.Get("Set-Cookie"); !strings.Contains(c, "; Secure") {
		t.Errorf("cookie %q is not Secure", c)
	}
}

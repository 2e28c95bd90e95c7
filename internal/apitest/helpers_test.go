package apitest_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store/storetest"
)

// Ids of the demo workspace (API.md "The demo workspace").
const (
	johnDoe    = "414a6d692bd645ed803f2e7ce360d4c8"
	marioRossi = "ff8bec9363bc4c29b8b044eabf2afebd"
	janeRoe    = "efd7d996470e463b89f079be6cf578ed"
	teamGen    = "ad42a09715814e6483b1c5debd6a2dbc"
	teamSup    = "47aad5f9b4ca423c9d630f06ab93fe1f"
	waMain     = "7c996996fea947f4a1d5a11e7fac84db"
	tgMain     = "759edec71ff440b29fc635c5fac84d4f"
	funnelAw   = "ff0f96b9-b003-4d0c-b14f-27f3f6868dd6"
	funnelInt  = "1cd7845e-6b93-453d-b015-9dce35d16f39"
)

var (
	reT1 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	reT3 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

// otherAccount is a second workspace for isolation tests.
const otherAccount = `
accounts:
  - name: Other
    tokens: ["other-token"]
    users:
      - {email: olga@other.test, name: Olga, admin: true, available: true}
    teams:
      - {name: General, default: true, members: [olga@other.test]}
    channels:
      - {type: whatsapp, title: Other line, identifier: "+44 20 7946 0000", main: true}
    tags: [vip]
    custom_fields:
      - {name: Address, type: text}
    contacts:
      - {uuid: 0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f, name: Olga Customer, identifier: "+44 7700 900123", source: whatsapp, tags: [vip]}
`

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

// waLine3 is a second active WhatsApp channel that withThirdLine adds to
// the demo workspace (its second line, phone_number_2, is discarded).
const waLine3 = "3c1f0e2d4b5a4c6d8e7f9a0b1c2d3e4f"

func withThirdLine(t testing.TB) apitest.Option {
	return apitest.WithSeed(t, `
accounts:
  - name: Demo
    channels:
      - {uuid: `+waLine3+`, type: whatsapp, title: phone_number_3, identifier: "+39 02 1234 5678"}
`)
}

// at walks a decoded JSON value along a dotted path ("contact.team.name").
func at(v any, path string) any {
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

func expectStatus(t *testing.T, r *apitest.Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body %s", r.Status, want, r.Body)
	}
}

// expectError checks status, that `error` is a string, and that each named
// field has a message in `errors`.
func expectError(t *testing.T, r *apitest.Response, status int, fields ...string) map[string]any {
	t.Helper()
	expectStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	m := r.JSON(t)
	if s, ok := m["error"].(string); !ok || s == "" {
		t.Errorf("error is not a non-empty string: %s", r.Body)
	}
	for _, f := range fields {
		errs, _ := m["errors"].(map[string]any)
		list, _ := errs[f].([]any)
		if len(list) == 0 {
			t.Errorf("errors.%s missing in %s", f, r.Body)
		}
	}
	return m
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func names(evs []ob.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Name
	}
	return out
}

// merged copies base and sets each key of the key-value pairs kv; a nil value
// removes the key.
func merged(base map[string]any, kv ...any) map[string]any {
	m := map[string]any{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
)

// FuzzDecode feeds arbitrary bodies to the request decoder: it must never
// panic, and every rejection must be a 400 with a client-safe message.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"name":"x","tags":["a"],"custom_fields":{"A":1,"B":["x"]}}`, `{"name":5}`, `[]`, `"x"`, `{"a":`,
		`{"unassign_user":true,"note":null}`, `{} {}`, "\x00", `{"custom_fields":{"x":{"y":[1,2,{}]}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []any{&ob.NewContact{}, &ob.ContactChanges{}} {
			err := decodeJSON(body, dst)
			if err == nil {
				continue
			}
			e, ok := err.(*ob.Error)
			if !ok || e.Code != ob.EBADREQUEST || e.Message == "" {
				t.Fatalf("decode %q: %#v, want a 400 error", body, err)
			}
		}
	})
}

func TestDecodeTypeErrorsNameTheField(t *testing.T) {
	cases := map[string]string{
		`{"name":5}`:              "name",
		`{"tags":"a"}`:            "tags",
		`{"tags":[1]}`:            "tags",
		`{"custom_fields":[]}`:    "custom_fields",
		`{"unassign_user":"yes"}`: "unassign_user",
		`{"team_uuid":{"a":1}}`:   "team_uuid",
	}
	for body, field := range cases {
		err := decodeJSON([]byte(body), &ob.ContactChanges{})
		e, ok := err.(*ob.Error)
		if !ok || e.Code != ob.EBADREQUEST || len(e.Fields[field]) == 0 {
			t.Errorf("%s: %#v, want a 400 naming %s", body, err, field)
		}
	}
}

func TestReadBodyLimits(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", MaxBodyBytes+1)))
	if _, err := readBody(r); ob.ErrorCode(err) != ob.ETOOLARGE {
		t.Errorf("oversized body: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/vnd.api+json; charset=utf-8")
	if _, err := readBody(r); err != nil {
		t.Errorf("+json content type refused: %v", err)
	}
}

func TestDecodeNoParameters(t *testing.T) {
	for body, want := range map[string]bool{
		"": true, " \r\n\t": true, "null": true, " null\n": true, `""`: true, "\t\"\"\n": true,
		"{}": false, `" "`: false, `"null"`: false, "nul": false, "[]": false, "0": false, "false": false, `""""`: false,
	} {
		if got := noParameters([]byte(body)); got != want {
			t.Errorf("noParameters(%q) = %v, want %v", body, got, want)
		}
		var dst struct {
			Name ob.Opt[string] `json:"name"`
		}
		err := decodeJSON([]byte(body), &dst)
		if want && (err != nil || dst.Name.Set) {
			t.Errorf("decode %q: %v %+v, want no parameters", body, err, dst)
		}
		if !want && body != "{}" && ob.ErrorCode(err) != ob.EBADREQUEST {
			t.Errorf("decode %q: %v, want a 400", body, err)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	same := [][]string{
		{`{"a":1,"b":[1,2],"c":{"x":"y","w":null}}`, ` { "c" : { "w" : null , "x" : "y" } ,
			"b" : [ 1 , 2 ] , "a" : 1 } `, `{"b":[1,2],"a":1,"c":{"x":"\u0079","w":null}}`},
		{`{"n":12345678901234567890}`, `{ "n": 12345678901234567890 }`},
		{``, `null`, `""`, `{}`, ` { } `},
	}
	for _, group := range same {
		for _, body := range group[1:] {
			if a, b := canonicalJSON([]byte(group[0])), canonicalJSON([]byte(body)); string(a) != string(b) {
				t.Errorf("%s and %s: %s != %s", group[0], body, a, b)
			}
		}
	}
	different := []string{`{"a":1}`, `{"a":"1"}`, `{"a":[1,2]}`, `{"a":[2,1]}`, `{"a":1,"b":null}`, `{"A":1}`, `{"a":12345678901234567891}`}
	seen := map[string]string{}
	for _, body := range different {
		c := string(canonicalJSON([]byte(body)))
		if other, ok := seen[c]; ok {
			t.Errorf("%s and %s both spell %s", body, other, c)
		}
		seen[c] = body
	}
}

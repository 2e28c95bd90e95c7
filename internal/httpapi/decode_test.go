package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
)

// FuzzDecode feeds arbitrary bodies to the request decoder: it must never
// panic, every rejection must be a 400 with a client-safe message, and what
// it accepts holds no text that cannot be stored: no NUL, and no U+FFFD that
// encoding/json made of an unpaired surrogate escape (checked against an
// independent count of the U+FFFD the body spells). A rejection for a NUL or
// a surrogate must be true of the body.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"name":"x","tags":["a"],"custom_fields":{"A":1,"B":["x"]}}`, `{"name":5}`, `[]`, `"x"`, `{"a":`,
		`{"unassign_user":true,"note":null}`, `{} {}`, "\x00", `{"custom_fields":{"x":{"y":[1,2,{}]}}}`,
		`{"name":"\u0000"}`, `{"name":"a\u0000b","note":"\ud800"}`, `{"\u0000":1}`, `{"custom_fields":{"\u0000":"x"}}`,
		`{"name":"\ud800"}`, `{"name":"\udc00"}`, `{"name":"\ud83d\ude00"}`, `{"name":"\ud83d\u0041"}`,
		`{"name":"\ud83d\ud83d\ude00"}`, `{"name":"\\u0000"}`, `{"name":"\\\u0000"}`, `{"name":"\ufffd \uFFFD �"}`,
		`{"name":"\ud800`, `{"name":"\ud800\`, `{"tags":["\udbff\udfff","\udbff"]}`, "{\"name\":\"\xed\xa0\x80\"}",
		`{"name":` + strconv.Quote(strings.Repeat("x", MaxBodyBytes-20)) + `}`,
		`{"note":"` + strings.Repeat(`\u0000`, 1000) + `"}`,
		`{"custom_fields":{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}}`,
		`{"custom_fields":{"x":` + strings.Repeat(`{"a":`, 5000) + `"\ud800"` + strings.Repeat("}", 5000) + `}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []any{&ob.NewContact{}, &ob.ContactChanges{}, &ob.SendMessage{}, &ob.InboundMessage{}} {
			err := decodeJSON(body, dst)
			if err == nil {
				if nul, fffd := textOf(t, body); nul || fffd != spelledFFFD(body) {
					t.Fatalf("decode %q accepted a NUL (%v) or a surrogate (%d U+FFFD, %d spelled)", short(body), nul, fffd, spelledFFFD(body))
				}
				continue
			}
			e, ok := err.(*ob.Error)
			if !ok || e.Code != ob.EBADREQUEST || e.Message == "" {
				t.Fatalf("decode %q: %#v, want a 400 error", short(body), err)
			}
			for _, msgs := range e.Fields {
				if slices.Contains(msgs, ob.MsgNUL) || slices.Contains(msgs, ob.MsgSurrogate) {
					if nul, fffd := textOf(t, body); !nul && fffd == spelledFFFD(body) {
						t.Fatalf("decode %q: %v, but the body holds no such text", short(body), err)
					}
				}
			}
		}
	})
}

// short is the start of a body, for messages.
func short(body []byte) []byte {
	if len(body) > 200 {
		return body[:200]
	}
	return body
}

// textOf reads every key and string of a JSON body, with encoding/json's
// tokens (which keep duplicate keys), and reports whether one holds a NUL
// and how many U+FFFD they hold.
func textOf(t *testing.T, body []byte) (nul bool, fffd int) {
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nul, fffd
		} else if err != nil {
			t.Fatalf("%q was decoded, but is not JSON: %v", short(body), err)
		}
		if s, ok := tok.(string); ok {
			nul = nul || strings.IndexByte(s, 0) >= 0
			fffd += strings.Count(s, "\uFFFD")
		}
	}
}

// spelledFFFD counts the U+FFFD a valid JSON body spells: as the character
// itself or as a \ufffd escape (a backslash that is not itself escaped).
func spelledFFFD(body []byte) int {
	n := bytes.Count(body, []byte("\uFFFD"))
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		run := 0
		for i+run < len(body) && body[i+run] == '\\' {
			run++
		}
		i += run
		if run%2 == 1 && i+5 <= len(body) && body[i] == 'u' && strings.EqualFold(string(body[i+1:i+5]), "fffd") {
			n++
		}
		i--
	}
	return n
}

func TestBadTextNamesTheField(t *testing.T) {
	for _, tc := range []struct{ body, field, problem string }{
		{`{"name":"a\u0000"}`, "name", ob.MsgNUL},
		{`{"name":"ok","note":"\u0000"}`, "note", ob.MsgNUL},
		{`{"n\u0061me":"\u0000"}`, "name", ob.MsgNUL},
		{`{"custom_fields":{"A":{"b":["\u0000"]}}}`, "custom_fields", ob.MsgNUL},
		{`{"custom_fields":{"\u0000":"x"},"name":"y"}`, "custom_fields", ob.MsgNUL},
		{`{"a\u0000b":"x"}`, `a\u0000b`, ob.MsgNUL},
		{`{"content":{"text":"\ud800"}}`, "content", ob.MsgSurrogate},
		{`{"tags":["x","\uDFFF"]}`, "tags", ob.MsgSurrogate},
		{`{"name":"\ud800\u0000"}`, "name", ob.MsgSurrogate},
		{`{"a":[{"b":1},"x"],"name":"\udbff"}`, "name", ob.MsgSurrogate},
		{`{"name":"\ud83d\ude00","note":"\\u0000 \\ud800","tags":["\"\u0041"]}`, "", ""},
		{`{"name":"plain"}`, "", ""},
	} {
		field, problem := badText([]byte(tc.body))
		if field != tc.field || problem != tc.problem {
			t.Errorf("badText(%s) = %q, %q; want %q, %q", tc.body, field, problem, tc.field, tc.problem)
		}
	}
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

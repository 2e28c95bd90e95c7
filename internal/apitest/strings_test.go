package apitest_test

// API.md section 1, "Strings" and "Lengths": what a client can store is
// text (no NUL, no unpaired surrogate) of a bounded length, on every engine
// alike.

import (
	"net/url"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

const (
	statusLunch  = "8dbd6f6c-ec09-4b87-a04e-bef1c2ca41db" // a custom status of the demo workspace
	tplMarketing = "ad42a09715814e6483b1c5debd6a2dbc"     // "Template title", approved
)

// TestTextThatCannotBeStoredIs400 sends a NUL character or an unpaired
// surrogate escape in every kind of place a client writes text: each is a
// 400 that names the field, on both engines (PostgreSQL used to answer 500
// to the NULs, SQLite stored them), and changes nothing.
func TestTextThatCannotBeStoredIs400(t *testing.T) {
	cases := []struct {
		name, method, path, body, field string
	}{
		// The NULs that answered 500 on PostgreSQL.
		{"contact name", "POST", "/v1/contacts", `{"identifier":"+31 6 22222222","source":"whatsapp","name":"Ann\u0000"}`, "name"},
		{"contact name, update", "PATCH", "/v1/contacts/" + johnDoe, `{"name":"\u0000"}`, "name"},
		{"contact note", "POST", "/v1/contacts", `{"identifier":"+31 6 22222222","source":"whatsapp","name":"Ann","note":"a\u0000b"}`, "note"},
		{"contact note, update", "PATCH", "/v1/contacts/" + johnDoe, `{"note":"a\u0000b"}`, "note"},
		{"assigned_user", "PATCH", "/v1/contacts/" + johnDoe, `{"assigned_user":"john.doe@email.com\u0000"}`, "assigned_user"},
		{"Telegram identifier", "POST", "/v1/contacts", `{"identifier":"tg\u0000user","source":"telegram","name":"Tg"}`, "identifier"},
		{"note text", "POST", "/v1/contacts/" + johnDoe + "/conversation/note", `{"text":"see \u0000"}`, "text"},
		{"inbound text", "POST", "/sandbox/v1/inbound", `{"from":"+31 6 33333333","text":"hi\u0000"}`, "text"},
		{"inbound bsuid", "POST", "/sandbox/v1/inbound", `{"from":"+31 6 33333333","text":"hi","bsuid":"b\u0000"}`, "bsuid"},
		{"custom status name", "POST", "/v1/custom_statuses", `{"name":"Away\u0000"}`, "name"},
		{"custom status name, update", "PUT", "/v1/custom_statuses/" + statusLunch, `{"name":"Away\u0000"}`, "name"},
		{"tags filter", "GET", "/v1/contacts?tags=%00", "", "tags"},
		{"tags[] filter", "GET", "/v1/contacts?tags[]=lead&tags[]=a%00b", "", "tags[]"},
		// Other places of the same kind.
		{"custom field value", "PATCH", "/v1/contacts/" + johnDoe, `{"custom_fields":{"Address":"x\u0000"}}`, "custom_fields"},
		{"custom field name", "PATCH", "/v1/contacts/" + johnDoe, `{"custom_fields":{"Addr\u0000ess":"x"}}`, "custom_fields"},
		{"tag", "PATCH", "/v1/contacts/" + johnDoe, `{"tags":["lead","\u0000"]}`, "tags"},
		{"send text", "POST", "/v1/messages/send", `{"to":"tg_nul","from":"telegram","type":"text","content":{"text":"\u0000"}}`, "content"},
		{"send to", "POST", "/v1/messages/send", `{"to":"tg\u0000","from":"telegram","type":"text","content":{"text":"hi"}}`, "to"},
		{"metadata", "POST", "/v1/messages/send", `{"to":"tg_nul","from":"telegram","type":"text","content":{"text":"hi"},"metadata":{"k":"\u0000"}}`, "metadata"},
		{"closing_reason", "POST", "/v1/contacts/" + johnDoe + "/conversation/close", `{"closing_reason":"done\u0000"}`, "closing_reason"},
		{"channel title", "PATCH", "/v1/channels/" + tgMain, `{"title":"\u0000"}`, "title"},
		{"team name", "PATCH", "/v1/teams/" + teamSup, `{"name":"Sup\u0000"}`, "name"},
		{"webhook url", "POST", "/v1/webhooks/subscribe", `{"url":"http://127.0.0.1:1/\u0000","subscriptions":["contact_created"]}`, "url"},
		{"ignored field", "PATCH", "/v1/contacts/" + johnDoe, `{"name":"John","colour":"\u0000"}`, "colour"},
		{"escaped escape, then a NUL", "PATCH", "/v1/contacts/" + johnDoe, `{"name":"\\u0000 \u0000"}`, "name"},
		{"query key", "GET", "/v1/contacts?page%00=1", "", "page%00"},
		{"invalid UTF-8 in a query value", "GET", "/v1/channels?type=%ff", "", "type"},
		{"surrogate in a query value", "GET", "/v1/contacts?tags=%ed%a0%80", "", "tags"},
		// Unpaired surrogate escapes, which encoding/json turns into U+FFFD.
		{"high surrogate", "PATCH", "/v1/contacts/" + johnDoe, `{"name":"John \ud800"}`, "name"},
		{"low surrogate", "PATCH", "/v1/contacts/" + johnDoe, `{"note":"\udc00 note"}`, "note"},
		{"high surrogate, then no low one", "PATCH", "/v1/contacts/" + johnDoe, `{"name":"\uD83D\u0041"}`, "name"},
		{"two high surrogates", "PATCH", "/v1/contacts/" + johnDoe, `{"name":"\ud83d\ud83d\ude00"}`, "name"},
		{"surrogate in a nested key", "PATCH", "/v1/contacts/" + johnDoe, `{"custom_fields":{"\ud800":"x"}}`, "custom_fields"},
		{"surrogate in an array", "POST", "/v1/messages/send", `{"to":"tg_nul","from":"telegram","template_uuid":"` + tplMarketing + `","optin_contact":true,"template_values":["\udfff"]}`, "template_values"},
		{"surrogate in inbound content", "POST", "/sandbox/v1/inbound", `{"from":"+31 6 33333333","type":"contacts","content":{"contacts":[{"name":"\ud800"}]}}`, "content"},
		{"surrogate in a key", "PATCH", "/v1/contacts/" + johnDoe, `{"na\ud800me":"x"}`, `na\ud800me`},
	}
	each(t, func(t *testing.T, s *apitest.Server) {
		contactBefore := s.DoUnchecked("GET", "/v1/contacts/"+johnDoe, nil)
		statusesBefore := s.DoUnchecked("GET", "/v1/custom_statuses", nil)
		channelBefore := s.DoUnchecked("GET", "/v1/channels/"+tgMain, nil)
		teamBefore := s.DoUnchecked("GET", "/v1/teams/"+teamSup, nil)
		events := len(s.Events(""))
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var body any
				if tc.body != "" {
					body = tc.body
				}
				m := expectError(t, s.DoUnchecked(tc.method, tc.path, body), 400, tc.field)
				if m["error"] != "validation failed" {
					t.Errorf("error %v", m["error"])
				}
			})
		}
		// A header value may hold bytes that are not UTF-8 (HTTP's obs-text);
		// the Idempotency-Key is stored.
		r := s.Send(apitest.Request{Unchecked: true, Method: "POST", Path: "/v1/messages/send", Header: map[string]string{"Idempotency-Key": "key-\xff"},
			Body: map[string]any{"to": "tg_key", "from": "telegram", "type": "text", "content": map[string]any{"text": "hi"}}})
		expectError(t, r, 400, "Idempotency-Key")
		if n := len(s.Events("")); n != events {
			t.Errorf("%d events fired", n-events)
		}
		sameBody(t, "contact", contactBefore, s.DoUnchecked("GET", "/v1/contacts/"+johnDoe, nil))
		sameBody(t, "custom statuses", statusesBefore, s.DoUnchecked("GET", "/v1/custom_statuses", nil))
		sameBody(t, "channel", channelBefore, s.DoUnchecked("GET", "/v1/channels/"+tgMain, nil))
		sameBody(t, "team", teamBefore, s.DoUnchecked("GET", "/v1/teams/"+teamSup, nil))
		expectError(t, s.DoUnchecked("GET", "/v1/webhooks", nil), 404)
	})
}

// sameBody fails unless a and b have the same status and body.
func sameBody(t *testing.T, what string, a, b *apitest.Response) {
	t.Helper()
	if a.Status != b.Status || string(a.Body) != string(b.Body) {
		t.Errorf("%s: answered %d %s, then %d %s", what, a.Status, a.Body, b.Status, b.Body)
	}
}

// TestTextThatCanBeStoredIsKept checks the other side of the rule: a
// surrogate pair, an escaped backslash before "u0000", a literal U+FFFD and
// other control characters are text, stored as sent.
func TestTextThatCanBeStoredIsKept(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for body, want := range map[string]string{
			`{"name":"\ud83d\ude00 \uD83D\uDE00"}`: "😀 😀",
			`{"name":"\\u0000"}`:                   `\u0000`,
			`{"name":"\\\ud83d\ude00"}`:            `\😀`,
			`{"name":"� \ufffd"}`:                  "� �",
			`{"name":"\u0001\t\u001f"}`:            "\x01\t\x1f",
		} {
			c := obj(t, s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, body), "contact")
			if c["name"] != want {
				t.Errorf("%s: name %q, want %q", body, c["name"], want)
			}
		}
		expectStatus(t, s.DoUnchecked("GET", "/v1/contacts?tags="+url.QueryEscape("Call back"), nil), 200)
	})
}

// TestPathsThatCannotNameAnythingAre404 sends a NUL or invalid UTF-8 in the
// ids of paths: nothing can have such an id, so the answer is the route's
// not found, as for an unknown id (PostgreSQL used to answer 500).
func TestPathsThatCannotNameAnythingAre404(t *testing.T) {
	cases := []struct {
		method, path, want string
	}{
		{"GET", "/v1/contacts/bsuid/%00", "contact not found"},
		{"GET", "/v1/contacts/bsuid/bsuid_abc123%00", "contact not found"},
		{"GET", "/v1/contacts/bsuid/%ff", "contact not found"},
		{"DELETE", "/v1/messages/%00", "message not found"},
		{"DELETE", "/v1/messages/wamid.%ff", "message not found"},
		{"GET", "/v1/contacts/phone/+31%006%2012345678", "contact not found"},
		{"GET", "/v1/contacts/%00/messages", "contact not found"},
		{"GET", "/v1/teams/%ff/members", "team not found"},
		{"PUT", "/v1/custom_statuses/%00", "custom status not found"},
		{"POST", "/sandbox/v1/messages/%00/status", "message not found"},
	}
	each(t, func(t *testing.T, s *apitest.Server) {
		// The same routes find what exists and answer the same for what does
		// not: the test could tell them apart.
		expectStatus(t, s.DoUnchecked("GET", "/v1/contacts/bsuid/bsuid_abc123", nil), 200)
		expectStatus(t, s.DoUnchecked("GET", "/v1/contacts/phone/+31%206%2012345678", nil), 200)
		sameBody(t, "unknown wamid, then invalid UTF-8", s.DoUnchecked("DELETE", "/v1/messages/wamid.unknown", nil), s.DoUnchecked("DELETE", "/v1/messages/wamid.%ff", nil))
		events := len(s.Events(""))
		for _, tc := range cases {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				m := expectError(t, s.DoUnchecked(tc.method, tc.path, `{"name":"x","status":"read"}`), 404)
				if m["error"] != tc.want {
					t.Errorf("error %q, want %q", m["error"], tc.want)
				}
			})
		}
		if n := len(s.Events("")); n != events {
			t.Errorf("%d events fired", n-events)
		}
	})
}

// limitCase is a string a client stores, sent at its limit and one
// character over it.
type limitCase struct {
	name  string
	field string // the field the 422 names
	max   int
	// value returns a value of n characters; by default n "é", two bytes
	// each, so that the limit is counted in characters.
	value func(n int) string
	// send sends v where the limit applies.
	send func(s *apitest.Server, v string) *apitest.Response
	// stored returns what is stored where v goes, for the writes that fire
	// no event; nil when every write of the case fires one.
	stored func(t *testing.T, s *apitest.Server) string
}

// Objects the length cases need: a tag, a bsuid and a wamid at their
// limits, and an outbound message to force statuses on.
var (
	longTag   = strings.Repeat("é", 255)
	longBSUID = strings.Repeat("b", 64)
	longWamid = "wamid." + strings.Repeat("W", 249)
)

const outboundLong = "6a0b1c2d3e4f4a5b8c9d0e1f2a3b4c5d"

func withLongObjects(t testing.TB) apitest.Option {
	return apitest.WithSeed(t, `
accounts:
  - name: Demo
    tags: [`+longTag+`]
    contacts:
      - name: Long Ids
        source: telegram
        identifier: long_ids
        bsuid: `+longBSUID+`
        messages:
          - {direction: inbound, text: hi, uuid: `+longWamid+`}
          - {direction: outbound, text: hello, uuid: `+outboundLong+`, status: sent}
`)
}

func pad(prefix string, n int, fill string) string {
	return prefix + strings.Repeat(fill, n-len([]rune(prefix)))
}

var limitCases = []limitCase{
	{name: "contact name", field: "name", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/contacts", map[string]any{"identifier": "tg_name", "source": "telegram", "name": v})
		}},
	{name: "contact name, update", field: "name", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": v})
		}},
	{name: "contact identifier", field: "identifier", max: 64,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/contacts", map[string]any{"identifier": v, "source": "telegram", "name": "Tg"})
		}},
	{name: "contact note", field: "note", max: 1000,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"note": v})
		}},
	{name: "custom field value", field: "custom_fields", max: 1000,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": map[string]any{"Address": v}})
		}},
	{name: "tag", field: "tags", max: 255,
		value: func(n int) string { return strings.ToUpper(longTag) + strings.Repeat("é", n-255) },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"tags": []string{"lead", v}})
		}},
	{name: "closing_reason", field: "closing_reason", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/contacts/"+marioRossi+"/conversation/close", map[string]any{"closing_reason": v})
		}},
	{name: "note text", field: "text", max: 4096,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/contacts/"+janeRoe+"/conversation/note", map[string]any{"text": v})
		},
		stored: func(t *testing.T, s *apitest.Server) string {
			msgs := list(t, s.DoUnchecked("GET", "/v1/contacts/"+janeRoe+"/messages", nil), "messages")
			if len(msgs) == 0 {
				return ""
			}
			text, _ := msgs[0]["text"].(string)
			return text
		}},
	{name: "send content.text", field: "content.text", max: 4096,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": "tg_text", "from": "telegram", "type": "text", "content": map[string]any{"text": v}})
		}},
	{name: "send content.url", field: "content.url", max: 2048,
		value: func(n int) string { return pad("https://example.com/", n, "é") },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": "tg_url", "from": "telegram", "type": "image", "content": map[string]any{"url": v}})
		}},
	{name: "send to", field: "to", max: 64,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": v, "from": "telegram", "type": "text", "content": map[string]any{"text": "hi"}})
		}},
	{name: "send bsuid", field: "bsuid", max: 64,
		value: func(n int) string { return longBSUID + strings.Repeat("b", n-64) },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"bsuid": v, "from": "telegram", "type": "text", "content": map[string]any{"text": "hi"}})
		}},
	{name: "filled template", field: "template_values", max: 4096 - len("Hello , this is a template message example"),
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": "tg_template", "from": "telegram", "template_uuid": welcome,
				"optin_contact": true, "template_values": []string{v}})
		}},
	{name: "metadata key", field: "metadata", max: 50,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": "tg_meta", "from": "telegram", "type": "text", "content": map[string]any{"text": "hi"},
				"metadata": map[string]any{v: "x"}})
		}},
	{name: "metadata value", field: "metadata", max: 500,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": "tg_meta", "from": "telegram", "type": "text", "content": map[string]any{"text": "hi"},
				"metadata": map[string]any{"k": v}})
		}},
	{name: "inbound text", field: "text", max: 4096,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_in", "channel_uuid": tgMain, "text": v})
		}},
	{name: "inbound content.text", field: "content.text", max: 4096,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_in", "channel_uuid": tgMain, "type": "button_reply", "content": map[string]any{"text": v}})
		}},
	{name: "inbound content.url", field: "content.url", max: 2048,
		value: func(n int) string { return pad("https://example.com/", n, "é") },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_in", "channel_uuid": tgMain, "type": "image", "content": map[string]any{"url": v}})
		}},
	{name: "inbound from", field: "from", max: 64,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": v, "channel_uuid": tgMain, "text": "hi"})
		}},
	{name: "inbound name", field: "name", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_named", "channel_uuid": tgMain, "text": "hi", "name": v})
		}},
	{name: "inbound bsuid", field: "bsuid", max: 64,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_bsuid", "channel_uuid": tgMain, "text": "hi", "bsuid": v})
		}},
	{name: "inbound reply_to", field: "reply_to", max: 255,
		value: func(n int) string { return longWamid + strings.Repeat("W", n-255) },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "long_ids", "channel_uuid": tgMain, "text": "yes", "reply_to": v})
		}},
	{name: "contact card name", field: "content.contacts", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_card", "channel_uuid": tgMain, "type": "contacts",
				"content": map[string]any{"contacts": []any{map[string]any{"name": v}}}})
		}},
	{name: "contact card phone", field: "content.contacts", max: 64,
		value: func(n int) string { return pad("+31 6 12345678", n, "-") },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_card", "channel_uuid": tgMain, "type": "contacts",
				"content": map[string]any{"contacts": []any{map[string]any{"name": "Al", "phones": []any{map[string]any{"phone": v}}}}}})
		}},
	{name: "contact card phone type", field: "content.contacts", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_card", "channel_uuid": tgMain, "type": "contacts",
				"content": map[string]any{"contacts": []any{map[string]any{"name": "Al", "phones": []any{map[string]any{"phone": "+31 6 12345678", "type": v}}}}}})
		}},
	{name: "forced reason", field: "reason", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/messages/"+outboundLong+"/status", map[string]any{"status": "failed", "reason": v})
		}},
	{name: "forced corrected_number", field: "corrected_number", max: 64,
		value: func(n int) string { return strings.Repeat("7", n) },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/messages/"+outboundLong+"/status", map[string]any{"status": "mismatch", "corrected_number": v})
		}},
	{name: "channel title", field: "title", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PATCH", "/v1/channels/"+tgMain, map[string]any{"title": v})
		},
		stored: func(t *testing.T, s *apitest.Server) string {
			return obj(t, s.DoUnchecked("GET", "/v1/channels/"+tgMain, nil), "channel")["title"].(string)
		}},
	{name: "team name", field: "name", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PATCH", "/v1/teams/"+teamSup, map[string]any{"name": v})
		},
		stored: func(t *testing.T, s *apitest.Server) string {
			return obj(t, s.DoUnchecked("GET", "/v1/teams/"+teamSup, nil), "team")["name"].(string)
		}},
	{name: "template title", field: "title", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PATCH", "/v1/templates/"+tplMarketing, map[string]any{"title": v})
		},
		stored: func(t *testing.T, s *apitest.Server) string {
			return obj(t, s.DoUnchecked("GET", "/v1/templates/"+tplMarketing, nil), "template")["title"].(string)
		}},
	{name: "custom status name", field: "name", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/custom_statuses", map[string]any{"name": v})
		},
		stored: lastCustomStatus("name")},
	{name: "custom status name, update", field: "name", max: 255,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("PUT", "/v1/custom_statuses/"+statusLunch, map[string]any{"name": v})
		},
		stored: func(t *testing.T, s *apitest.Server) string {
			return obj(t, s.DoUnchecked("GET", "/v1/custom_statuses/"+statusLunch, nil), "customStatus")["name"].(string)
		}},
	{name: "custom status emoji", field: "emoji", max: 32,
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/custom_statuses", map[string]any{"name": "Emoji", "emoji": v})
		},
		stored: lastCustomStatus("emoji")},
	{name: "webhook url", field: "url", max: 2048,
		value: func(n int) string { return pad("http://127.0.0.1:1/", n, "é") },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/v1/webhooks/subscribe", map[string]any{"url": v, "subscriptions": []string{"contact_created"}})
		},
		stored: func(t *testing.T, s *apitest.Server) string {
			r := s.DoUnchecked("GET", "/v1/webhooks", nil)
			if r.Status == 404 {
				return ""
			}
			return obj(t, r, "webhook")["url"].(string)
		}},
	{name: "fault path_prefix", field: "path_prefix", max: 2048,
		value: func(n int) string { return pad("/nothing/", n, "é") },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/faults", map[string]any{"path_prefix": v, "status": 503})
		},
		stored: lastFault("path_prefix")},
	{name: "fault method", field: "method", max: 255,
		value: func(n int) string { return strings.Repeat("É", n) },
		send: func(s *apitest.Server, v string) *apitest.Response {
			return s.DoUnchecked("POST", "/sandbox/v1/faults", map[string]any{"method": v, "path_prefix": "/nothing", "status": 503})
		},
		stored: lastFault("method")},
}

func lastCustomStatus(key string) func(t *testing.T, s *apitest.Server) string {
	return func(t *testing.T, s *apitest.Server) string {
		all := list(t, s.DoUnchecked("GET", "/v1/custom_statuses", nil), "customStatuses")
		v, _ := all[len(all)-1][key].(string)
		return v
	}
}

func lastFault(key string) func(t *testing.T, s *apitest.Server) string {
	return func(t *testing.T, s *apitest.Server) string {
		all := list(t, s.DoUnchecked("GET", "/sandbox/v1/faults", nil), "faults")
		if len(all) == 0 {
			return ""
		}
		v, _ := all[len(all)-1][key].(string)
		return v
	}
}

// TestLengthLimits sends every string a client stores one character over
// its limit (a 422 naming the field, that stores nothing and fires nothing)
// and then exactly at it (accepted), on both engines. The cases run one
// after the other on one server per engine; each reads only what it wrote.
func TestLengthLimits(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, tc := range limitCases {
			t.Run(tc.name, func(t *testing.T) {
				value := tc.value
				if value == nil {
					value = func(n int) string { return strings.Repeat("é", n) }
				}
				over, at := value(tc.max+1), value(tc.max)
				if n := len([]rune(over)); n != tc.max+1 {
					t.Fatalf("the test's value has %d characters", n)
				}
				var before string
				if tc.stored != nil {
					before = tc.stored(t, s)
				}
				events := len(s.Events(""))
				m := expectError(t, tc.send(s, over), 422, tc.field)
				if errs, _ := m["errors"].(map[string]any); !strings.Contains(mustJSON(errs[tc.field]), "too long") {
					t.Errorf("errors.%s = %v, want it to say too long", tc.field, errs[tc.field])
				}
				if n := len(s.Events("")); n != events {
					t.Errorf("over the limit: %d events fired", n-events)
				}
				if tc.stored != nil {
					if got := tc.stored(t, s); got != before {
						t.Errorf("over the limit: stored %.40q..., want %.40q... as before", got, before)
					}
				}
				expectStatus(t, tc.send(s, at), 200)
				if tc.stored != nil {
					if got := tc.stored(t, s); got != at {
						t.Errorf("at the limit: stored %.40q..., want %.40q...", got, at)
					}
				} else if n := len(s.Events("")); n == events {
					t.Errorf("at the limit: no event fired")
				}
			})
		}
	}, withLongObjects)
}

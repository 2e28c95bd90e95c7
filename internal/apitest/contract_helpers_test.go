package apitest_test

// Helpers of the contract_*_test.go files: shape checkers that hold every
// object type of API.md section 2 to its listed keys, id forms and time
// formats, and a second workspace ("Far") that owns one object of every kind,
// for isolation tests.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
)

var (
	reU32    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	reU36    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	reCT2    = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$`)
	reDigits = regexp.MustCompile(`^\d+$`)
	reWamid  = regexp.MustCompile(`^wamid\.[A-Za-z0-9_-]+=*$`)
)

// The far account: one object of every kind, with pinned ids, so that the
// demo token can be pointed at each of them.
const (
	farToken    = "far-token"
	farContact  = "5d1c2b3a4f5e4d6c8b7a695847362514"
	farBSUID    = "bsuid_far_1"
	farPhone    = "447700900555"
	farTeam     = "6e2d3c4b5a694e7d8c9b0a1f2e3d4c5b"
	farChannel  = "7f3e4d5c6b7a4f8e9d0c1b2a3f4e5d6c"
	farTgChan   = "8a4f5e6d7c8b4a9f8e1d2c3b4a5f6e7d"
	farUser     = "9b5a6f7e8d9c4b0a9f2e3d4c5b6a7f8e"
	farUserMail = "fay@far.test"
	farStatus   = "0c6b7a8f-9e0d-4c1b-8a3f-4e5d6c7b8a9f"
	farFunnel   = "1d7c8b9a-0f1e-4d2c-9b4a-5f6e7d8c9b0a"
	farTemplate = "2e8d9c0b1a2f4e3d8c5b6a7f8e9d0c1b"
	farOutbound = "3f9e0d1c2b3a4f5e8d6c7b8a9f0e1d2c"
	farWamid    = "wamid.RkFSSU5CT1VORDE"
)

const farAccount = `
accounts:
  - name: Far
    tokens: ["far-token"]
    custom_statuses:
      - {uuid: 0c6b7a8f-9e0d-4c1b-8a3f-4e5d6c7b8a9f, name: Away far, emoji: "🛰"}
    users:
      - {uuid: 9b5a6f7e8d9c4b0a9f2e3d4c5b6a7f8e, email: fay@far.test, name: Fay Far, admin: true, available: true}
    teams:
      - {uuid: 6e2d3c4b5a694e7d8c9b0a1f2e3d4c5b, name: Far team, default: true, members: [fay@far.test]}
    channels:
      - {uuid: 7f3e4d5c6b7a4f8e9d0c1b2a3f4e5d6c, type: whatsapp, title: Far line, identifier: "+44 20 7946 0999", main: true}
      - {uuid: 8a4f5e6d7c8b4a9f8e1d2c3b4a5f6e7d, type: telegram, title: Far bot, identifier: far_bot, main: true}
    tags: [fartag]
    custom_fields:
      - {name: Far field, type: text}
    funnels:
      - {uuid: 1d7c8b9a-0f1e-4d2c-9b4a-5f6e7d8c9b0a, name: Far stage, position: 1}
    templates:
      - {uuid: 2e8d9c0b1a2f4e3d8c5b6a7f8e9d0c1b, title: Far hello, text: "Hi {{1}}", category: UTILITY, status: approved}
    bots:
      - {name: Far bot, enabled: true, version: 1}
    contacts:
      - uuid: 5d1c2b3a4f5e4d6c8b7a695847362514
        name: Fred Far
        identifier: "+44 7700 900555"
        source: whatsapp
        bsuid: bsuid_far_1
        tags: [fartag]
        team: Far team
        assigned_user: fay@far.test
        messages:
          - {direction: inbound, text: "far hello", ago: 60, uuid: wamid.RkFSSU5CT1VORDE}
          - {direction: outbound, text: "far reply", ago: 30, uuid: 3f9e0d1c2b3a4f5e8d6c7b8a9f0e1d2c, status: delivered}
`

func withFar(t testing.TB) apitest.Option { return apitest.WithSeed(t, farAccount) }

// obj decodes the body of a 200 answer and returns the object under key.
func obj(t *testing.T, r *apitest.Response, key string) map[string]any {
	t.Helper()
	expectStatus(t, r, 200)
	m, ok := r.JSON(t)[key].(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object: %s", key, r.Body)
	}
	return m
}

// list decodes the body of a 200 answer and returns the list under key; a
// missing key or null fails.
func list(t *testing.T, r *apitest.Response, key string) []map[string]any {
	t.Helper()
	expectStatus(t, r, 200)
	raw, ok := r.JSON(t)[key].([]any)
	if !ok {
		t.Fatalf("%s is not a list: %s", key, r.Body)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// payload decodes an event payload.
func payload(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("payload is not an object: %v: %s", err, raw)
	}
	return p
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hasKeys fails for each of keys missing in m.
func hasKeys(t *testing.T, where string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: key %q missing in %s", where, k, mustJSON(m))
		}
	}
}

// exactKeys fails unless m has exactly keys.
func exactKeys(t *testing.T, where string, m map[string]any, keys ...string) {
	t.Helper()
	want := slices.Clone(keys)
	sort.Strings(want)
	if got := keysOf(m); !slices.Equal(got, want) {
		t.Errorf("%s: keys %v, want %v", where, got, want)
	}
}

func isT1(v any) bool { s, ok := v.(string); return ok && reT1.MatchString(s) }
func isT3(v any) bool { s, ok := v.(string); return ok && reT3.MatchString(s) }
func isU32(v any) bool {
	s, ok := v.(string)
	return ok && reU32.MatchString(s)
}
func isU36(v any) bool {
	s, ok := v.(string)
	return ok && reU36.MatchString(s)
}
func isStr(v any) bool       { _, ok := v.(string); return ok }
func isStrOrNull(v any) bool { return v == nil || isStr(v) }
func isBool(v any) bool      { _, ok := v.(bool); return ok }

// isOptStr: an optional string, which is null when it has no value, never "".
func isOptStr(v any) bool { return v == nil || isStr(v) && v != "" }

// hasKey reports whether v is an object with key (null or not).
func hasKey(v any, key string) bool {
	m, ok := v.(map[string]any)
	if ok {
		_, ok = m[key]
	}
	return ok
}
func isInt(v any) bool {
	f, ok := v.(float64)
	return ok && f == float64(int64(f))
}

// near reports whether a T1/T3 time is within d of now.
func near(v any, d time.Duration) bool {
	s, _ := v.(string)
	var tm time.Time
	var err error
	if strings.Contains(s, ".") {
		tm, err = time.Parse("2006-01-02T15:04:05.000Z", s)
	} else {
		tm, err = time.Parse("2006-01-02T15:04:05Z", s)
	}
	if err != nil {
		return false
	}
	diff := time.Since(tm)
	return diff < d && diff > -d
}

var channelTypes = []string{"whatsapp", "facebook", "instagram", "telegram"}

// checkChannel holds c to the Channel object.
func checkChannel(t *testing.T, where string, c map[string]any) {
	t.Helper()
	hasKeys(t, where, c, "uuid", "title", "type", "main", "discardedAt", "identifier")
	if !isU32(c["uuid"]) || !isStr(c["title"]) || !slices.Contains(channelTypes, fmt.Sprint(c["type"])) ||
		!isBool(c["main"]) || !isBool(c["discardedAt"]) || !isOptStr(c["identifier"]) {
		t.Errorf("%s: channel %s", where, mustJSON(c))
	}
}

// checkTeam holds tm to the Team object.
func checkTeam(t *testing.T, where string, tm map[string]any) {
	t.Helper()
	hasKeys(t, where, tm, "uuid", "name", "createdAt", "default", "members")
	if !isU32(tm["uuid"]) || !isStr(tm["name"]) || !isT1(tm["createdAt"]) || !isBool(tm["default"]) || !isInt(tm["members"]) {
		t.Errorf("%s: team %s", where, mustJSON(tm))
	}
}

// checkMember holds m to the TeamMember object (with the uuid extension).
func checkMember(t *testing.T, where string, m map[string]any) {
	t.Helper()
	hasKeys(t, where, m, "email", "name", "available", "lastUpdatedAt", "uuid")
	if !isStr(m["email"]) || !isStr(m["name"]) || !isBool(m["available"]) || !isT1(m["lastUpdatedAt"]) || !isU32(m["uuid"]) {
		t.Errorf("%s: member %s", where, mustJSON(m))
	}
	if cs, ok := m["userCustomStatus"]; ok {
		c, _ := cs.(map[string]any)
		if c == nil {
			t.Errorf("%s: userCustomStatus present but %v (only when the user has one)", where, cs)
			return
		}
		hasKeys(t, where+".userCustomStatus", c, "id", "name", "emoji", "updatedAt")
		if !isU36(c["id"]) || !isStr(c["name"]) || !isOptStr(c["emoji"]) || !isT1(c["updatedAt"]) {
			t.Errorf("%s: userCustomStatus %s", where, mustJSON(c))
		}
	}
}

// contactKeys are the keys every Contact carries.
var contactKeys = []string{"uuid", "name", "phoneNumber", "avatarUrl", "blockedAt", "createdAt", "source", "funnelId",
	"closedAt", "href", "conversationHref", "tags", "assignedUser", "customFields", "team", "channel", "note"}

// checkContact holds c to the Contact object.
func checkContact(t *testing.T, s *apitest.Server, where string, c map[string]any) {
	t.Helper()
	hasKeys(t, where, c, contactKeys...)
	for _, k := range keysOf(c) {
		if !slices.Contains(contactKeys, k) && k != "bsuid" && k != "customFieldsMetadata" {
			t.Logf("%s: extra contact key %q", where, k)
		}
	}
	bad := func(field string) { t.Helper(); t.Errorf("%s: %s is %s", where, field, mustJSON(c[field])) }
	if !isU32(c["uuid"]) {
		bad("uuid")
	}
	if !isStr(c["name"]) {
		bad("name")
	}
	if !isStrOrNull(c["phoneNumber"]) {
		bad("phoneNumber")
	}
	if !isStrOrNull(c["avatarUrl"]) {
		bad("avatarUrl")
	}
	if c["blockedAt"] != nil && !isT1(c["blockedAt"]) {
		bad("blockedAt")
	}
	if !isT1(c["createdAt"]) {
		bad("createdAt")
	}
	if !slices.Contains(channelTypes, fmt.Sprint(c["source"])) {
		bad("source")
	}
	if c["funnelId"] != nil && !isU36(c["funnelId"]) {
		bad("funnelId")
	}
	if c["closedAt"] != nil && !isT1(c["closedAt"]) {
		bad("closedAt")
	}
	if c["href"] != s.URL+"/contacts/"+fmt.Sprint(c["uuid"]) {
		bad("href")
	}
	if h, _ := c["conversationHref"].(string); !strings.HasPrefix(h, s.URL+"/chat/") || !reU32.MatchString(strings.TrimPrefix(h, s.URL+"/chat/")) {
		bad("conversationHref")
	}
	if tags, ok := c["tags"].([]any); !ok {
		bad("tags")
	} else {
		for _, tg := range tags {
			if !isStr(tg) {
				bad("tags")
			}
		}
	}
	if !isStrOrNull(c["assignedUser"]) {
		bad("assignedUser")
	}
	if cf, ok := c["customFields"].(map[string]any); !ok {
		bad("customFields")
	} else {
		for k, v := range cf {
			if !isStr(v) {
				t.Errorf("%s: customFields.%s is %s, want a string", where, k, mustJSON(v))
			}
		}
	}
	if c["team"] != nil {
		tm, ok := c["team"].(map[string]any)
		if !ok {
			bad("team")
		} else {
			checkTeam(t, where+".team", tm)
		}
	}
	if ch, ok := c["channel"].(map[string]any); !ok {
		bad("channel")
	} else {
		checkChannel(t, where+".channel", ch)
		if ch["type"] != c["source"] {
			t.Errorf("%s: source %v but channel type %v", where, c["source"], ch["type"])
		}
	}
	if b, ok := c["bsuid"]; ok && !isStr(b) {
		bad("bsuid")
	}
	if !isStrOrNull(c["note"]) {
		bad("note")
	}
	// The display form of a phone number: "+", digits and single spaces.
	if p, ok := c["phoneNumber"].(string); ok && !regexp.MustCompile(`^\+\d+( \d+)*$`).MatchString(p) {
		t.Errorf("%s: phoneNumber %q is not + digits and spaces", where, p)
	}
}

// checkMessage holds m to the Message object of GET /contacts/:uuid/messages.
func checkMessage(t *testing.T, where string, m map[string]any) {
	t.Helper()
	hasKeys(t, where, m, "text", "status", "channel", "from", "to", "createdAt")
	if !isStr(m["text"]) || !slices.Contains([]string{"sent", "received", "note"}, fmt.Sprint(m["status"])) ||
		!slices.Contains(channelTypes, fmt.Sprint(m["channel"])) || !isT1(m["createdAt"]) {
		t.Errorf("%s: message %s", where, mustJSON(m))
	}
	for _, k := range []string{"from", "to"} {
		if s, _ := m[k].(string); m["channel"] != "telegram" && !reDigits.MatchString(s) {
			t.Errorf("%s: %s %q is not digits", where, k, s)
		}
	}
	if id, ok := m["uuid"]; ok {
		s, _ := id.(string)
		switch m["status"] {
		case "sent", "note":
			if !reU32.MatchString(s) {
				t.Errorf("%s: uuid %q of a %v message is not uuid32", where, s, m["status"])
			}
		case "received":
			if m["channel"] == "whatsapp" && !reWamid.MatchString(s) {
				t.Errorf("%s: inbound uuid %q is not wamid.<base64url>", where, s)
			}
		}
	}
	if a, ok := m["attachments"]; ok {
		list, _ := a.([]any)
		if len(list) == 0 {
			t.Errorf("%s: attachments present but %s (only when the message has files)", where, mustJSON(a))
		}
		for _, u := range list {
			pu, err := url.Parse(fmt.Sprint(u))
			if err != nil || !pu.IsAbs() {
				t.Errorf("%s: attachment %v is not an absolute URL", where, u)
			}
		}
	}
	if md, ok := m["metadata"]; ok {
		if _, isObj := md.(map[string]any); !isObj {
			t.Errorf("%s: metadata %s", where, mustJSON(md))
		}
	}
}

// eventsOf returns the payloads of the events named name, recorded after
// the first `after` events of token's account.
func eventsOf(t *testing.T, s *apitest.Server, token string, after int, name string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range s.Events(token)[after:] {
		if e.Name == name {
			out = append(out, payload(t, e.Payload))
		}
	}
	return out
}

// sameAnswer fails unless a and b have the same status and body.
func sameAnswer(t *testing.T, where string, a, b *apitest.Response) {
	t.Helper()
	if a.Status != b.Status || strings.TrimSpace(string(a.Body)) != strings.TrimSpace(string(b.Body)) {
		t.Errorf("%s: foreign answered %d %s, missing answered %d %s", where, a.Status, a.Body, b.Status, b.Body)
	}
}

func dashedUpper(id string) string {
	if len(id) != 32 {
		return strings.ToUpper(id)
	}
	return strings.ToUpper(id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:])
}

// openWindow makes the customer at digits write, so that free-form sends to
// them are allowed; it returns the contact's uuid.
func openWindow(t *testing.T, s *apitest.Server, token, digits string) string {
	t.Helper()
	r := s.Send(apitest.Request{Method: "POST", Path: "/sandbox/v1/inbound", Token: token, Body: map[string]any{"from": digits, "text": "hi"}})
	expectStatus(t, r, 200)
	return at(r.JSON(t), "contact.uuid").(string)
}

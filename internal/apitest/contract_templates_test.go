package apitest_test

import (
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

const promoTemplate = "4a5b6c7d8e9f40a1b2c3d4e5f6a7b8c9"

// demoExtras adds to the demo workspace (matched by name) an approved image
// template and a paused text template.
const demoExtras = `
accounts:
  - name: Demo
    templates:
      - {uuid: 4a5b6c7d8e9f40a1b2c3d4e5f6a7b8c9, title: Promo, text: "Sale {{1}} until {{2}}", type: image, category: MARKETING, status: approved}
      - {uuid: 5b6c7d8e9fa041b2c3d4e5f6a7b8c9d0, title: Paused one, text: "Hi {{1}}", status: paused}
`

// TestContractTemplateSends: media templates need content.url and keep it
// as attachment; template_values win over content.text; only approved
// templates with optin_contact true go; metadata values must be strings.
func TestContractTemplateSends(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		tpl := map[string]any{"to": "+49 30 6666666", "from": "whatsapp", "type": "image", "template_uuid": strings.ToUpper(promoTemplate),
			"optin_contact": true, "template_values": []string{"shoes", "Friday"}}
		expectError(t, s.Do("POST", "/v1/messages/send", tpl), 422, "content.url")
		expectError(t, s.Do("GET", "/v1/contacts/phone/49306666666", nil), 404)
		id := send(t, s, merged(tpl, "content", map[string]any{"url": "https://example.com/sale.png", "text": "ignored"}))
		c := obj(t, s.Do("GET", "/v1/contacts/phone/49306666666", nil), "contact")
		msgs := list(t, s.Do("GET", "/v1/contacts/"+c["uuid"].(string)+"/messages", nil), "messages")
		if len(msgs) != 1 || msgs[0]["uuid"] != id || msgs[0]["text"] != "Sale shoes until Friday" || mustJSON(msgs[0]["attachments"]) != `["https://example.com/sale.png"]` {
			t.Errorf("media template message %s", mustJSON(msgs))
		}
		if tp := obj(t, s.Do("GET", "/v1/templates/"+promoTemplate, nil), "template"); tp["templateType"] != "image" || tp["status"] != "approved" {
			t.Errorf("template %s", mustJSON(tp))
		}
		// template_values win over content.text.
		id = send(t, s, map[string]any{"to": "+49 30 6666666", "from": "whatsapp", "template_uuid": welcome, "optin_contact": true,
			"template_values": []string{"Values"}, "content": map[string]any{"text": "Text"}})
		msgs = list(t, s.Do("GET", "/v1/contacts/"+c["uuid"].(string)+"/messages", nil), "messages")
		if msgs[0]["uuid"] != id || msgs[0]["text"] != "Hello Values, this is a template message example" {
			t.Errorf("values vs text %v", msgs[0]["text"])
		}
		// Refusals.
		base := map[string]any{"to": "+49 30 6666666", "from": "whatsapp", "template_uuid": welcome, "template_values": []string{"x"}}
		expectError(t, s.Do("POST", "/v1/messages/send", merged(base, "optin_contact", false)), 422, "optin_contact")
		expectError(t, s.Do("POST", "/v1/messages/send", merged(base, "optin_contact", true, "template_uuid", "5b6c7d8e9fa041b2c3d4e5f6a7b8c9d0")), 422, "template_uuid")
		// Metadata: 10 entries, 50-character keys and 500-character values are the limits.
		md := map[string]any{}
		for i := 0; i < 10; i++ {
			md[strings.Repeat("é", 49)+string(rune('a'+i))] = strings.Repeat("ü", 500)
		}
		send(t, s, merged(base, "optin_contact", true, "metadata", md))
		for _, v := range []any{map[string]any{}, []string{"a"}, true, 1.5} {
			m := expectError(t, s.DoUnchecked("POST", "/v1/messages/send", merged(base, "optin_contact", true, "metadata", map[string]any{"k": v})), 400, "metadata")
			if mustJSON(m) != `{"error":"validation failed","errors":{"metadata":["must be string"]}}` {
				t.Errorf("metadata value %s: %s", mustJSON(v), mustJSON(m))
			}
		}
	}, func(t testing.TB) apitest.Option { return apitest.WithSeed(t, demoExtras) })
}

// TestContractNullMetadataValue: null is a non-string metadata value, so it
// is the contract's 400 "must be string".
func TestContractNullMetadataValue(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": "31612345678", "from": "whatsapp", "content": map[string]any{"text": "x"},
			"metadata": map[string]any{"k": nil}})
		m := expectError(t, r, 400, "metadata")
		if mustJSON(m) != `{"error":"validation failed","errors":{"metadata":["must be string"]}}` {
			t.Errorf("body %s", mustJSON(m))
		}
	})
}

package apitest_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/httpapi"
)

// TestOpenAPIDocumentIsPublic: GET /v1/openapi.json answers the document
// without a token, and a wrong method there is a 405, not a 401.
func TestOpenAPIDocumentIsPublic(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Send(apitest.Request{Method: "GET", Path: "/v1/openapi.json", Token: "-"})
		expectStatus(t, r, 200)
		if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if !bytes.Equal(r.Body, httpapi.OpenAPI()) {
			t.Errorf("GET /v1/openapi.json is not the embedded document")
		}
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil || doc.OpenAPI != "3.1.0" || doc.Paths["/v1/contacts"] == nil {
			t.Errorf("not an OpenAPI 3.1 document of the API: %v %q", err, doc.OpenAPI)
		}
		r = s.Send(apitest.Request{Method: "POST", Path: "/v1/openapi.json", Token: "-", Unchecked: true})
		expectError(t, r, 405)
		if allow := r.Header.Get("Allow"); allow != "GET, HEAD" && allow != "GET" {
			t.Errorf("Allow %q", allow)
		}
		// A bad token does not matter either.
		expectStatus(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/openapi.json", Token: "nope"}), 200)
	})
}

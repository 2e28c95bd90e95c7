package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/openbell/openbell/internal/sandbox"
)

// servedRoutes returns the routes of the route table, /metrics included.
func servedRoutes(t *testing.T) (*Server, []Route) {
	t.Helper()
	s := New(Config{MetricsHandler: http.NotFoundHandler()}, nil, nil, sandbox.NewFaults(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return s, s.Routes()
}

// documentedRoutes returns "METHOD path" of every operation of the document.
func documentedRoutes(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var out []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPINamesEveryRoute: the document and the route table name the
// same routes, no more, no fewer.
func TestOpenAPINamesEveryRoute(t *testing.T) {
	_, routes := servedRoutes(t)
	var served []string
	for _, r := range routes {
		served = append(served, r.Method+" "+r.Path)
	}
	slices.Sort(served)
	documented := documentedRoutes(t)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("the server serves %s, which the OpenAPI document does not name", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("the OpenAPI document names %s, which the route table does not serve", r)
		}
	}
	if len(served) < 50 {
		t.Errorf("only %d routes: %v", len(served), served)
	}
}

// TestRoutesReachTheirPattern: a request to each route, its path
// parameters filled in, is served by the pattern the route table names for
// it (so the paths a shared pattern stands for are really its own).
func TestRoutesReachTheirPattern(t *testing.T) {
	s, routes := servedRoutes(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, r := range routes {
		path := param.ReplaceAllString(r.Path, "414a6d692bd645ed803f2e7ce360d4c8")
		_, pattern := s.mux.Handler(httptest.NewRequest(r.Method, path, nil))
		if pattern != r.Pattern {
			t.Errorf("%s %s is served by %q, want %q", r.Method, path, pattern, r.Pattern)
		}
	}
}

// TestOpenAPIDocumentIsValid checks the document against the OpenAPI 3.1
// specification's schema, and that every reference in it resolves.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, err := libopenapi.NewDocument(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", v)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build model: %v", err)
	}
	if n := model.Model.Webhooks.Len(); n != 10 {
		t.Errorf("%d webhooks, want the 10 events of API.md section 4", n)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s (%s): %s", se.FieldPath, se.KeywordLocation, se.Reason)
			}
		}
	}
	for _, e := range model.Index.GetReferenceIndexErrors() {
		t.Errorf("reference: %v", e)
	}
}

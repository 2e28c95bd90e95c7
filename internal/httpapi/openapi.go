package httpapi

import (
	_ "embed"
	"net/http"
	"strings"
)

// openAPIDocument is the OpenAPI 3.1 document of the whole API. It is kept
// by hand beside the route table; openapi_test.go fails when the two name
// different routes, and the black-box suite validates every request and
// answer against it.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.1 document the server serves at GET
// /v1/openapi.json.
func OpenAPI() []byte { return openAPIDocument }

// openAPIPath is the one /v1 path served without a token.
const openAPIPath = "/v1/openapi.json"

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeRawJSON(w, http.StatusOK, openAPIDocument)
}

// Route is a method and path the server serves, spelled as the OpenAPI
// document spells it ("/v1/contacts/{uuid}").
type Route struct {
	Method string
	Path   string
	// Pattern is the ServeMux pattern that serves it.
	Pattern string
}

// Routes lists every route of the route table, in its order.
func (s *Server) Routes() []Route { return s.served }

// handle registers h for pattern ("METHOD /path"). A pattern that stands for
// several documented paths, which ServeMux cannot tell apart, names them in
// paths.
func (s *Server) handle(pattern string, h http.Handler, paths ...string) {
	s.mux.Handle(pattern, h)
	method, path, _ := strings.Cut(pattern, " ")
	if len(paths) == 0 {
		paths = []string{path}
	}
	for _, p := range paths {
		s.served = append(s.served, Route{Method: method, Path: p, Pattern: pattern})
	}
}

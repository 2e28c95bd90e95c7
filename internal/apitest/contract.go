package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/openbell/openbell/internal/httpapi"
)

// Contract checks requests, answers and webhook deliveries against the
// OpenAPI document the server serves (internal/httpapi/openapi.json), with
// libopenapi-validator: JSON Schema 2020-12, as OpenAPI 3.1 uses.
type Contract struct {
	v       validator.Validator
	model   *v3.Document
	opts    *config.ValidationOptions
	schemas schema_validation.SchemaValidator
	// errorBody is the document's Error schema: the body of every error,
	// also of routes the document does not name (404, 405).
	errorBody *base.Schema
	// events holds each webhook event's request body schema and header
	// parameters.
	events map[string]*v3.Operation
}

// DefaultContract returns the contract of the document, built once.
var DefaultContract = sync.OnceValues(func() (*Contract, error) {
	doc, err := libopenapi.NewDocument(httpapi.OpenAPI())
	if err != nil {
		return nil, err
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	c := &Contract{v: v, model: &m.Model, opts: config.NewValidationOptions(),
		schemas: schema_validation.NewSchemaValidatorWithLogger(slog.New(slog.DiscardHandler)), events: map[string]*v3.Operation{}}
	c.errorBody = m.Model.Components.Schemas.GetOrZero("Error").Schema()
	for name, item := range m.Model.Webhooks.FromOldest() {
		c.events[name] = item.Post
	}
	return c, nil
})

// CheckRequest returns what is wrong with r (its body is body) by the
// document: an unknown path or method, a parameter, a header or the body.
func (c *Contract) CheckRequest(r *http.Request, body []byte) []string {
	r = withBody(r, body)
	_, errs := c.v.ValidateHttpRequestSync(r)
	return describe(errs)
}

// CheckResponse returns what is wrong with an answer to r by the document:
// status, headers and body. The answer to a request of a path or method the
// document does not name must be the 404 or 405 error (or the 401 or 429
// that a wrong method on an API path gets first) in the document's Error
// shape.
func (c *Contract) CheckResponse(r *http.Request, status int, header http.Header, body []byte) []string {
	r = withBody(r, nil)
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: r}
	if _, errs, _ := paths.FindPath(r, c.model, c.opts); len(errs) > 0 {
		var out []string
		if !slices.Contains([]int{401, 404, 405, 429}, status) {
			out = append(out, fmt.Sprintf("status %d for a route the document does not name (want 404, 405, or 401 or 429 before a 405)", status))
		}
		if ct := header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			out = append(out, "Content-Type "+ct)
		}
		if header.Get("X-Request-Id") == "" {
			out = append(out, "no X-Request-Id")
		}
		_, serrs := c.schemas.ValidateSchemaBytes(c.errorBody, body)
		return append(out, describe(serrs)...)
	}
	_, errs := c.v.ValidateHttpResponse(r, resp)
	return describe(errs)
}

// CheckEvent returns what is wrong with a webhook delivery (its headers and
// body) by the document's webhooks.
func (c *Contract) CheckEvent(header http.Header, body []byte) []string {
	var b struct {
		Event string `json:"event"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return []string{"body is not a JSON object: " + err.Error()}
	}
	op := c.events[b.Event]
	if op == nil {
		return []string{"the document has no webhook event " + b.Event}
	}
	var out []string
	for _, p := range op.Parameters {
		if p.In != "header" {
			continue
		}
		v := header.Get(p.Name)
		if v == "" {
			if p.Required != nil && *p.Required {
				out = append(out, b.Event+": no "+p.Name+" header")
			}
			continue
		}
		if s := p.Schema.Schema(); s != nil && s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(v) {
			out = append(out, fmt.Sprintf("%s: header %s %q does not match %s", b.Event, p.Name, v, s.Pattern))
		}
	}
	schema := op.RequestBody.Content.GetOrZero("application/json").Schema.Schema()
	_, errs := c.schemas.ValidateSchemaBytes(schema, body)
	for _, e := range describe(errs) {
		out = append(out, b.Event+": "+e)
	}
	return out
}

// withBody returns a copy of r whose body reads body.
func withBody(r *http.Request, body []byte) *http.Request {
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = http.NoBody, 0
	if len(body) > 0 {
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	return r
}

func describe(errs []*verrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		msg := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			msg += ": " + e.Reason
		}
		var fields []string
		for _, se := range e.SchemaValidationErrors {
			fields = append(fields, strings.TrimSpace(se.FieldPath+" "+se.Reason))
		}
		if len(fields) > 0 {
			msg += " [" + strings.Join(fields, "; ") + "]"
		}
		out = append(out, msg)
	}
	return out
}

// Transport returns an http.RoundTripper that sends through next
// (http.DefaultTransport when nil) and checks every request and answer
// against the document, failing t on a mismatch: for clients (such as
// package client) that the suite drives through their own HTTP client.
func (c *Contract) Transport(t testing.TB, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return checkingTransport{c: c, t: t, next: next}
}

type checkingTransport struct {
	c    *Contract
	t    testing.TB
	next http.RoundTripper
}

func (ct checkingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
		r = withBody(r, body)
	}
	for _, e := range ct.c.CheckRequest(r, body) {
		ct.t.Errorf("%s %s: request breaks the OpenAPI document: %s", r.Method, r.URL.Path, e)
	}
	resp, err := ct.next.RoundTrip(withBody(r, body))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	for _, e := range ct.c.CheckResponse(r, resp.StatusCode, resp.Header, data) {
		ct.t.Errorf("%s %s: answer %d breaks the OpenAPI document: %s; body %.300s", r.Method, r.URL.Path, resp.StatusCode, e, data)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

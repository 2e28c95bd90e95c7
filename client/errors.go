package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Sentinels for errors.Is: an *Error of the API matches the one of its
// status.
var (
	// ErrBadRequest: 400, the body is not JSON, a field has the wrong JSON
	// type (named in Fields), or a query parameter is bad.
	ErrBadRequest = errors.New("bad request")
	// ErrUnauthorized: 401, the token is missing, unknown or revoked.
	ErrUnauthorized = errors.New("not authorized")
	// ErrNotFound: 404, no such object in the token's account (or no such
	// route).
	ErrNotFound = errors.New("not found")
	// ErrConflict: 409, a contact with that identifier already exists on that
	// channel (Error.UUID names it).
	ErrConflict = errors.New("conflict")
	// ErrValidation: 422, the request is well-formed but breaks a rule; Fields
	// names every offending field.
	ErrValidation = errors.New("validation failed")
	// ErrRateLimited: 429, the account's rate limit (Error.RetryAfter says
	// when to try again; the client already retried).
	ErrRateLimited = errors.New("rate limit exceeded")
	// ErrServer: a 5xx answer.
	ErrServer = errors.New("server error")
)

// Error is an error answer of the API: its status, the `error` message,
// and, for validation errors, the messages of each offending field.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Message is the `error` of the body.
	Message string
	// Fields maps each offending field to its messages (`errors` of the
	// body), for 400 and 422 answers that name fields.
	Fields map[string][]string
	// UUID is the existing contact's uuid of a 409.
	UUID string
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// RequestID is the X-Request-Id of the answer, to find it in the
	// server's log.
	RequestID string
}

// Error implements error: "422 validation failed (name: can't be blank)".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, e.Message)
	if len(e.Fields) > 0 {
		names := make([]string, 0, len(e.Fields))
		for f := range e.Fields {
			names = append(names, f)
		}
		sort.Strings(names)
		b.WriteString(" (")
		for i, f := range names {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(f + ": " + strings.Join(e.Fields[f], ", "))
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrValidation:
		return e.Status == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrServer:
		return e.Status >= 500
	}
	return false
}

// newError reads an error answer. A body that is not the API's error object
// (a proxy's page) keeps the status text as its message.
func newError(status int, header http.Header, body []byte) *Error {
	e := &Error{Status: status, RequestID: header.Get("X-Request-Id")}
	var b struct {
		Error  string              `json:"error"`
		Errors map[string][]string `json:"errors"`
		UUID   string              `json:"uuid"`
	}
	if json.Unmarshal(body, &b) == nil && b.Error != "" {
		e.Message, e.Fields, e.UUID = b.Error, b.Errors, b.UUID
	} else {
		e.Message = strings.ToLower(http.StatusText(status))
	}
	if s, err := strconv.Atoi(header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

package openbell

import (
	"errors"
	"fmt"
	"sort"
)

// Error codes. Every layer reports failures with one of these; the HTTP layer
// maps each to exactly one status (see httpapi.errorStatus).
const (
	EINVALID      = "invalid"      // 422: well-formed but breaks a rule
	EBADREQUEST   = "bad_request"  // 400: malformed JSON, wrong JSON type, bad query parameter
	EUNAUTHORIZED = "unauthorized" // 401
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409
	ETOOLARGE     = "too_large"    // 413
	EUNSUPPORTED  = "unsupported"  // 415
	ERATELIMITED  = "rate_limited" // 429
	EINTERNAL     = "internal"     // 500
	EUNAVAILABLE  = "unavailable"  // 503
	EMETHOD       = "method"       // 405
)

// Messages of errors that several layers write.
const (
	// MsgValidationFailed is the message of every validation error; the
	// fields say what failed.
	MsgValidationFailed = "validation failed"
	// MsgContactExists is the message of the conflict of a second contact
	// with one channel and identifier.
	MsgContactExists = "contact already exists"
)

// Error is the one error type of the application. Message is safe to show to
// a client; Fields holds per-field validation messages; UUID names the
// existing object of a conflict.
type Error struct {
	Code    string
	Message string
	Fields  map[string][]string
	UUID    string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("openbell: %s: %s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("openbell: %s: %s %v", e.Code, e.Message, keys)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the 404 error for an object type, such as "contact".
func NotFound(object string) *Error {
	return &Error{Code: ENOTFOUND, Message: object + " not found"}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error,
// and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Validation collects per-field messages and turns them into one error.
type Validation struct {
	code   string
	fields map[string][]string
}

// NewValidation starts a collection whose error will carry code (EINVALID for
// rule violations, EBADREQUEST for wrong JSON types).
func NewValidation(code string) *Validation {
	return &Validation{code: code}
}

// Add records a message for field.
func (v *Validation) Add(field, message string) {
	if v.fields == nil {
		v.fields = map[string][]string{}
	}
	v.fields[field] = append(v.fields[field], message)
}

// MaxLength adds TooLong(max) under field when s has more than max
// characters, and reports whether s is within the limit.
func (v *Validation) MaxLength(field, s string, max int) bool {
	if Longer(s, max) {
		v.Add(field, TooLong(max))
		return false
	}
	return true
}

// Has reports whether field already has a message.
func (v *Validation) Has(field string) bool { return len(v.fields[field]) > 0 }

// Err returns the collected error, or nil when nothing was added.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: v.code, Message: MsgValidationFailed, Fields: v.fields}
}

// Invalid returns a one-field validation error with code EINVALID.
func Invalid(field, message string) *Error {
	return &Error{Code: EINVALID, Message: MsgValidationFailed, Fields: map[string][]string{field: {message}}}
}

// BadField returns a one-field validation error with code EBADREQUEST, for a
// field of the wrong JSON type.
func BadField(field, message string) *Error {
	return &Error{Code: EBADREQUEST, Message: MsgValidationFailed, Fields: map[string][]string{field: {message}}}
}

package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	ob "github.com/openbell/openbell"
)

// writeJSON writes v with status; the one place responses are encoded.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"`+msgInternal+`"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeRawJSON writes an already encoded JSON body.
func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// errorStatus maps each error code to its one HTTP status.
var errorStatus = map[string]int{
	ob.EBADREQUEST:   http.StatusBadRequest,
	ob.EUNAUTHORIZED: http.StatusUnauthorized,
	ob.ENOTFOUND:     http.StatusNotFound,
	ob.EMETHOD:       http.StatusMethodNotAllowed,
	ob.ECONFLICT:     http.StatusConflict,
	ob.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	ob.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	ob.EINVALID:      http.StatusUnprocessableEntity,
	ob.ERATELIMITED:  http.StatusTooManyRequests,
	ob.EUNAVAILABLE:  http.StatusServiceUnavailable,
	ob.EINTERNAL:     http.StatusInternalServerError,
}

// Messages of the server's own errors that more than one place writes.
const (
	msgNotJSON     = "request body is not valid JSON"
	msgTooLarge    = "request body is larger than 1 MiB"
	msgUnsupported = "Content-Type must be application/json"
	msgInternal    = "internal server error"
)

// errorMessages holds, per status, the message of the server's own error of
// that status when it says nothing more specific. writeStatusError answers
// with it, for the server's own errors and for the sandbox's injected
// faults alike, so that an injected error looks exactly like the real one.
var errorMessages = map[int]string{
	http.StatusBadRequest:            msgNotJSON,
	http.StatusUnauthorized:          "not authorized",
	http.StatusNotFound:              "not found",
	http.StatusMethodNotAllowed:      "method not allowed",
	http.StatusConflict:              ob.MsgContactExists, // without the uuid a real one names
	http.StatusRequestEntityTooLarge: msgTooLarge,
	http.StatusUnsupportedMediaType:  msgUnsupported,
	http.StatusUnprocessableEntity:   ob.MsgValidationFailed,
	http.StatusTooManyRequests:       "rate limit exceeded",
	http.StatusInternalServerError:   msgInternal,
}

// errorMessage returns the message of an error of status: the server's own
// one, else the status's reason phrase in lower case ("service
// unavailable"), else "error".
func errorMessage(status int) string {
	if m, ok := errorMessages[status]; ok {
		return m
	}
	if text := http.StatusText(status); text != "" {
		return strings.ToLower(text)
	}
	return "error"
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error  string              `json:"error"`
	Errors map[string][]string `json:"errors,omitempty"`
	UUID   string              `json:"uuid,omitempty"`
}

// writeError answers with err's status and body. Errors that are not
// *ob.Error are internal: logged with the request id, answered generically.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := ob.ErrorCode(err)
	status, ok := errorStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", w.Header().Get("X-Request-Id")), slog.Any("err", err))
		writeStatusError(w, status)
		return
	}
	var e *ob.Error
	errors.As(err, &e)
	writeErrorBody(w, status, errorBody{Error: e.Message, Errors: e.Fields, UUID: e.UUID})
}

// writeStatusError answers with the error of status that says nothing more
// specific (errorMessage): the server's answer to an unknown route, a wrong
// method, a bad token, the rate limit or an internal error, and the
// sandbox's injected faults.
func writeStatusError(w http.ResponseWriter, status int) {
	writeErrorBody(w, status, errorBody{Error: errorMessage(status)})
}

// writeErrorBody writes an error response. A 429 or a 503 says when to try
// again (Retry-After, in seconds), unless the caller already did.
func writeErrorBody(w http.ResponseWriter, status int, body errorBody) {
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, body)
}

package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	ob "github.com/openbell/openbell"
)

// writeJSON writes v with status; the one place responses are encoded.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal server error"}`)
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
		writeJSON(w, status, errorBody{Error: "internal server error"})
		return
	}
	var e *ob.Error
	errors.As(err, &e)
	writeJSON(w, status, errorBody{Error: e.Message, Errors: e.Fields, UUID: e.UUID})
}

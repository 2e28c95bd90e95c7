package httpapi

import (
	"net/http"
)

// Starting answers every request while the server prepares its database
// (migrations, the demo workspace, the --seed file), so that the port
// answers at once instead of holding connections: GET /healthz 503
// {"status":"starting"}, anything else 503 with the contract's error body
// and Retry-After. Every answer carries an X-Request-Id, as the API's do.
func Starting() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("Retry-After", "1")
		if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
			return
		}
		writeErrorBody(w, http.StatusServiceUnavailable, errorBody{Error: MsgStarting})
	})
}

// MsgStarting is the error of a request that comes while the server starts.
const MsgStarting = "the server is starting; try again in a moment"

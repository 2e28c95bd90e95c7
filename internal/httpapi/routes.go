package httpapi

import "net/http"

// routes is the whole API on one screen.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.health)

	// Contacts and their conversation (API.md section 3, "Contacts").
	s.mux.Handle("GET /v1/contacts", s.api(s.listContacts))
	s.mux.Handle("POST /v1/contacts", s.api(s.createContact))
	s.mux.Handle("GET /v1/contacts/{uuid}", s.api(s.getContact))
	s.mux.Handle("PATCH /v1/contacts/{uuid}", s.api(s.updateContact))
	s.mux.Handle("DELETE /v1/contacts/{uuid}", s.api(s.deleteContact))
	// GET /v1/contacts/phone/{number}, /bsuid/{bsuid}, /{uuid}/messages and
	// /{uuid}/bot share one shape, which ServeMux cannot tell apart.
	s.mux.Handle("GET /v1/contacts/{a}/{b}", s.api(s.contactSubresource))
	s.mux.Handle("POST /v1/contacts/{uuid}/bot", s.api(s.setBot))
	s.mux.Handle("POST /v1/contacts/{uuid}/conversation/close", s.api(s.closeConversation))
	s.mux.Handle("POST /v1/contacts/{uuid}/conversation/open", s.api(s.openConversation))
	s.mux.Handle("POST /v1/contacts/{uuid}/conversation/note", s.api(s.addNote))
	s.mux.Handle("PUT /v1/contacts/{uuid}/conversation/update_funnel", s.api(s.updateFunnel))
	s.mux.Handle("POST /v1/contacts/{uuid}/messages/update_funnel", s.api(s.updateFunnel))
}

// health answers 200 once the database is reachable and migrated.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Store().Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

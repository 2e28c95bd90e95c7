package httpapi

import "net/http"

// routes is the whole API on one screen.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.health)
	if s.cfg.MetricsHandler != nil {
		s.mux.Handle("GET /metrics", s.cfg.MetricsHandler)
	}

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

	// Messages (API.md section 3, "Messages").
	s.mux.Handle("POST /v1/messages/send", s.api(s.sendMessage))
	s.mux.Handle("GET /v1/messages/status/{uuid}", s.api(s.messageStatus))
	s.mux.Handle("DELETE /v1/messages/{uuid}", s.api(s.deleteMessage))
	s.mux.Handle("DELETE /v1/messages", s.api(s.deleteMessageNamedInBody)) // the published examples' form

	// Workspace (API.md section 3, "Channels, teams, users, statuses, funnels,
	// templates, plan, auth").
	s.mux.Handle("GET /v1/channels", s.api(s.listChannels))
	s.mux.Handle("GET /v1/channels/{uuid}", s.api(s.getChannel))
	s.mux.Handle("PATCH /v1/channels/{uuid}", s.api(s.updateChannel))
	s.mux.Handle("GET /v1/teams", s.api(s.listTeams))
	s.mux.Handle("GET /v1/teams/{uuid}", s.api(s.getTeam))
	s.mux.Handle("PATCH /v1/teams/{uuid}", s.api(s.updateTeam))
	s.mux.Handle("GET /v1/teams/{uuid}/members", s.api(s.listTeamMembers))
	s.mux.Handle("PUT /v1/users/{uuid}/status", s.api(s.setUserStatus))
	s.mux.Handle("DELETE /v1/users/{uuid}/status", s.api(s.clearUserStatus))
	s.mux.Handle("GET /v1/custom_statuses", s.api(s.listCustomStatuses))
	s.mux.Handle("POST /v1/custom_statuses", s.api(s.createCustomStatus))
	s.mux.Handle("GET /v1/custom_statuses/{id}", s.api(s.getCustomStatus))
	s.mux.Handle("PUT /v1/custom_statuses/{id}", s.api(s.updateCustomStatus))
	s.mux.Handle("DELETE /v1/custom_statuses/{id}", s.api(s.deleteCustomStatus))
	s.mux.Handle("DELETE /v1/custom_status/{id}", s.api(s.deleteCustomStatus)) // the published examples' path
	s.mux.Handle("GET /v1/funnels", s.api(s.listFunnels))
	s.mux.Handle("GET /v1/templates", s.api(s.listTemplates))
	s.mux.Handle("GET /v1/templates/{uuid}", s.api(s.getTemplate))
	s.mux.Handle("PATCH /v1/templates/{uuid}", s.api(s.updateTemplate))
	s.mux.Handle("GET /v1/plan", s.api(s.getPlan))
	s.mux.Handle("GET /v1/auth/me", s.api(s.authMe))

	// Webhooks (API.md section 3, "Webhooks"); GET /v1/webhooks is an
	// extension.
	s.mux.Handle("POST /v1/webhooks/subscribe", s.api(s.subscribeWebhook))
	s.mux.Handle("DELETE /v1/webhooks/unsubscribe", s.api(s.unsubscribeWebhook))
	s.mux.Handle("GET /v1/webhooks/events", s.api(s.webhookEvents))
	s.mux.Handle("GET /v1/webhooks", s.api(s.getWebhook))

	// Sandbox (API.md section 5): play the customer and the network.
	s.mux.Handle("POST /sandbox/v1/inbound", s.api(s.inbound))
	s.mux.Handle("POST /sandbox/v1/messages/{uuid}/status", s.api(s.forceStatus))
	s.mux.Handle("GET /sandbox/v1/clock", s.api(s.getClock))
	s.mux.Handle("POST /sandbox/v1/clock", s.api(s.advanceClock))
	s.mux.Handle("POST /sandbox/v1/users/{uuid}/session", s.api(s.agentSession))
	s.mux.Handle("POST /sandbox/v1/teams/{uuid}/members", s.api(s.teamMembership))
	s.mux.Handle("POST /sandbox/v1/faults", s.api(s.addFault))
	s.mux.Handle("GET /sandbox/v1/faults", s.api(s.listFaults))
	s.mux.Handle("DELETE /sandbox/v1/faults", s.api(s.clearFaults))
	s.mux.Handle("POST /sandbox/v1/reset", s.api(s.resetAccount))

	// The web inbox (docs/UI.md): the pages at the API's links.
	if s.cfg.Pages != nil {
		s.cfg.Pages(s.mux)
	}
}

// health answers 200 once the database is reachable and migrated.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Store().Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

package httpapi

import "net/http"

// routes is the whole API on one screen.
func (s *Server) routes() {
	s.handle("GET /healthz", http.HandlerFunc(s.health))
	s.handle("GET /v1/openapi.json", http.HandlerFunc(serveOpenAPI)) // no token: the document is public
	if s.cfg.MetricsHandler != nil {
		s.handle("GET /metrics", s.cfg.MetricsHandler)
	}

	// Contacts and their conversation (API.md section 3, "Contacts").
	s.handle("GET /v1/contacts", s.api(s.listContacts))
	s.handle("POST /v1/contacts", s.api(s.createContact))
	s.handle("GET /v1/contacts/{uuid}", s.api(s.getContact))
	s.handle("PATCH /v1/contacts/{uuid}", s.api(s.updateContact))
	s.handle("DELETE /v1/contacts/{uuid}", s.api(s.deleteContact))
	// GET /v1/contacts/phone/{number}, /bsuid/{bsuid}, /{uuid}/messages and
	// /{uuid}/bot share one shape, which ServeMux cannot tell apart.
	s.handle("GET /v1/contacts/{a}/{b}", s.api(s.contactSubresource),
		"/v1/contacts/phone/{number}", "/v1/contacts/bsuid/{bsuid}", "/v1/contacts/{uuid}/messages", "/v1/contacts/{uuid}/bot")
	s.handle("POST /v1/contacts/{uuid}/bot", s.api(s.setBot))
	s.handle("POST /v1/contacts/{uuid}/conversation/close", s.api(s.closeConversation))
	s.handle("POST /v1/contacts/{uuid}/conversation/open", s.api(s.openConversation))
	s.handle("POST /v1/contacts/{uuid}/conversation/note", s.api(s.addNote))
	s.handle("PUT /v1/contacts/{uuid}/conversation/update_funnel", s.api(s.updateFunnel))
	s.handle("POST /v1/contacts/{uuid}/messages/update_funnel", s.api(s.updateFunnel))

	// Messages (API.md section 3, "Messages").
	s.handle("POST /v1/messages/send", s.api(s.sendMessage))
	s.handle("GET /v1/messages/status/{uuid}", s.api(s.messageStatus))
	s.handle("DELETE /v1/messages/{uuid}", s.api(s.deleteMessage))
	s.handle("DELETE /v1/messages", s.api(s.deleteMessageNamedInBody)) // the published examples' form

	// Workspace (API.md section 3, "Channels, teams, users, statuses, funnels,
	// templates, plan, auth").
	s.handle("GET /v1/channels", s.api(s.listChannels))
	s.handle("GET /v1/channels/{uuid}", s.api(s.getChannel))
	s.handle("PATCH /v1/channels/{uuid}", s.api(s.updateChannel))
	s.handle("GET /v1/teams", s.api(s.listTeams))
	s.handle("GET /v1/teams/{uuid}", s.api(s.getTeam))
	s.handle("PATCH /v1/teams/{uuid}", s.api(s.updateTeam))
	s.handle("GET /v1/teams/{uuid}/members", s.api(s.listTeamMembers))
	s.handle("PUT /v1/users/{uuid}/status", s.api(s.setUserStatus))
	s.handle("DELETE /v1/users/{uuid}/status", s.api(s.clearUserStatus))
	s.handle("GET /v1/custom_statuses", s.api(s.listCustomStatuses))
	s.handle("POST /v1/custom_statuses", s.api(s.createCustomStatus))
	s.handle("GET /v1/custom_statuses/{id}", s.api(s.getCustomStatus))
	s.handle("PUT /v1/custom_statuses/{id}", s.api(s.updateCustomStatus))
	s.handle("DELETE /v1/custom_statuses/{id}", s.api(s.deleteCustomStatus))
	s.handle("DELETE /v1/custom_status/{id}", s.api(s.deleteCustomStatus)) // the published examples' path
	s.handle("GET /v1/funnels", s.api(s.listFunnels))
	s.handle("GET /v1/templates", s.api(s.listTemplates))
	s.handle("GET /v1/templates/{uuid}", s.api(s.getTemplate))
	s.handle("PATCH /v1/templates/{uuid}", s.api(s.updateTemplate))
	s.handle("GET /v1/plan", s.api(s.getPlan))
	s.handle("GET /v1/auth/me", s.api(s.authMe))

	// Webhooks (API.md section 3, "Webhooks"); GET /v1/webhooks is an
	// extension.
	s.handle("POST /v1/webhooks/subscribe", s.api(s.subscribeWebhook))
	s.handle("DELETE /v1/webhooks/unsubscribe", s.api(s.unsubscribeWebhook))
	s.handle("GET /v1/webhooks/events", s.api(s.webhookEvents))
	s.handle("GET /v1/webhooks", s.api(s.getWebhook))

	// Sandbox (API.md section 5): play the customer and the network.
	s.handle("POST /sandbox/v1/inbound", s.api(s.inbound))
	s.handle("POST /sandbox/v1/messages/{uuid}/status", s.api(s.forceStatus))
	s.handle("GET /sandbox/v1/clock", s.api(s.getClock))
	s.handle("POST /sandbox/v1/clock", s.api(s.advanceClock))
	s.handle("POST /sandbox/v1/users/{uuid}/session", s.api(s.agentSession))
	s.handle("POST /sandbox/v1/teams/{uuid}/members", s.api(s.teamMembership))
	s.handle("POST /sandbox/v1/faults", s.api(s.addFault))
	s.handle("GET /sandbox/v1/faults", s.api(s.listFaults))
	s.handle("DELETE /sandbox/v1/faults", s.api(s.clearFaults))
	s.handle("POST /sandbox/v1/reset", s.api(s.resetAccount))

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

package httpapi

import (
	"net/http"

	ob "github.com/openbell/openbell"
)

// Handlers of API.md section 3, "Channels, teams, users, statuses, funnels,
// templates, plan, auth".

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	var f ob.ChannelFilter
	if typ := r.URL.Query().Get("type"); typ != "" {
		if !ob.IsSource(typ) {
			return ob.BadField("type", "must be one of whatsapp, facebook, instagram, telegram")
		}
		f.Type = typ
	}
	if f.Active, err = queryFilterBool(r, "active"); err != nil {
		return err
	}
	channels, pages, err := s.svc.ListChannels(r.Context(), p.AccountID, page, f)
	if err != nil {
		return err
	}
	views := make([]ob.ChannelView, len(channels))
	for i := range channels {
		views[i] = channels[i].View()
	}
	writeJSON(w, http.StatusOK, struct {
		Channels []ob.ChannelView `json:"channels"`
		Meta     meta             `json:"meta"`
	}{views, meta{page, pages}})
	return nil
}

func writeChannel(w http.ResponseWriter, ch *ob.Channel) {
	writeJSON(w, http.StatusOK, struct {
		Channel ob.ChannelView `json:"channel"`
	}{ch.View()})
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	ch, err := s.svc.Channel(r.Context(), p.AccountID, r.PathValue("uuid"))
	if err != nil {
		return err
	}
	writeChannel(w, ch)
	return nil
}

func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.ChannelChanges
	if err := decode(r, &in); err != nil {
		return err
	}
	ch, err := s.svc.UpdateChannel(r.Context(), p.AccountID, r.PathValue("uuid"), in)
	if err != nil {
		return err
	}
	writeChannel(w, ch)
	return nil
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	teams, pages, err := s.svc.ListTeams(r.Context(), p.AccountID, page)
	if err != nil {
		return err
	}
	views := make([]ob.TeamView, len(teams))
	for i := range teams {
		views[i] = teams[i].View()
	}
	writeJSON(w, http.StatusOK, struct {
		Teams []ob.TeamView `json:"teams"`
		Meta  meta          `json:"meta"`
	}{views, meta{page, pages}})
	return nil
}

func writeTeam(w http.ResponseWriter, t *ob.Team) {
	writeJSON(w, http.StatusOK, struct {
		Team ob.TeamView `json:"team"`
	}{t.View()})
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	t, err := s.svc.Team(r.Context(), p.AccountID, r.PathValue("uuid"))
	if err != nil {
		return err
	}
	writeTeam(w, t)
	return nil
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.TeamChanges
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.svc.UpdateTeam(r.Context(), p.AccountID, r.PathValue("uuid"), in)
	if err != nil {
		return err
	}
	writeTeam(w, t)
	return nil
}

func (s *Server) listTeamMembers(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	var f ob.MemberFilter
	switch status := r.URL.Query().Get("status"); status {
	case "":
	case "available", "away":
		available := status == "available"
		f.Available = &available
	default:
		return ob.BadField("status", "must be available or away")
	}
	users, pages, err := s.svc.TeamMembers(r.Context(), p.AccountID, r.PathValue("uuid"), page, f)
	if err != nil {
		return err
	}
	if users == nil {
		users = []ob.TeamMemberView{}
	}
	writeJSON(w, http.StatusOK, struct {
		Users []ob.TeamMemberView `json:"users"`
		Meta  meta                `json:"meta"`
	}{users, meta{page, pages}})
	return nil
}

func (s *Server) setUserStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.UserStatusChanges
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := s.svc.SetUserStatus(r.Context(), p.AccountID, r.PathValue("uuid"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) clearUserStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	if err := decodeNone(r); err != nil {
		return err
	}
	if err := s.svc.ClearUserStatus(r.Context(), p.AccountID, r.PathValue("uuid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listCustomStatuses(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	statuses, pages, err := s.svc.ListCustomStatuses(r.Context(), p.AccountID, page)
	if err != nil {
		return err
	}
	views := make([]ob.CustomStatusView, len(statuses))
	for i := range statuses {
		views[i] = statuses[i].View()
	}
	writeJSON(w, http.StatusOK, struct {
		CustomStatuses []ob.CustomStatusView `json:"customStatuses"`
		Meta           meta                  `json:"meta"`
	}{views, meta{page, pages}})
	return nil
}

func writeCustomStatus(w http.ResponseWriter, cs *ob.CustomStatus) {
	writeJSON(w, http.StatusOK, struct {
		CustomStatus ob.CustomStatusView `json:"customStatus"`
	}{cs.View()})
}

func (s *Server) getCustomStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	cs, err := s.svc.CustomStatus(r.Context(), p.AccountID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeCustomStatus(w, cs)
	return nil
}

func (s *Server) createCustomStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.CustomStatusFields
	if err := decode(r, &in); err != nil {
		return err
	}
	cs, err := s.svc.CreateCustomStatus(r.Context(), p.AccountID, in)
	if err != nil {
		return err
	}
	writeCustomStatus(w, cs)
	return nil
}

func (s *Server) updateCustomStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.CustomStatusFields
	if err := decode(r, &in); err != nil {
		return err
	}
	cs, err := s.svc.UpdateCustomStatus(r.Context(), p.AccountID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeCustomStatus(w, cs)
	return nil
}

func (s *Server) deleteCustomStatus(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	if err := s.svc.DeleteCustomStatus(r.Context(), p.AccountID, r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "custom status was destroyed"})
	return nil
}

func (s *Server) listFunnels(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	funnels, pages, err := s.svc.ListFunnels(r.Context(), p.AccountID, page)
	if err != nil {
		return err
	}
	views := make([]ob.FunnelView, len(funnels))
	for i := range funnels {
		views[i] = funnels[i].View()
	}
	writeJSON(w, http.StatusOK, struct {
		Funnels []ob.FunnelView `json:"funnels"`
		Meta    meta            `json:"meta"`
	}{views, meta{page, pages}})
	return nil
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	templates, pages, err := s.svc.ListTemplates(r.Context(), p.AccountID, page)
	if err != nil {
		return err
	}
	views := make([]ob.TemplateView, len(templates))
	for i := range templates {
		views[i] = templates[i].View()
	}
	writeJSON(w, http.StatusOK, struct {
		Templates []ob.TemplateView `json:"templates"`
		Meta      meta              `json:"meta"`
	}{views, meta{page, pages}})
	return nil
}

func writeTemplate(w http.ResponseWriter, tp *ob.Template) {
	writeJSON(w, http.StatusOK, struct {
		Template ob.TemplateView `json:"template"`
	}{tp.View()})
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	tp, err := s.svc.Template(r.Context(), p.AccountID, r.PathValue("uuid"))
	if err != nil {
		return err
	}
	writeTemplate(w, tp)
	return nil
}

func (s *Server) updateTemplate(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.TemplateChanges
	if err := decode(r, &in); err != nil {
		return err
	}
	tp, err := s.svc.UpdateTemplate(r.Context(), p.AccountID, r.PathValue("uuid"), in)
	if err != nil {
		return err
	}
	writeTemplate(w, tp)
	return nil
}

func (s *Server) getPlan(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	plan, err := s.svc.Plan(r.Context(), p.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, plan)
	return nil
}

func (s *Server) authMe(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	me, err := s.svc.Me(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

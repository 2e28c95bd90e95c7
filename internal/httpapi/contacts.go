package httpapi

import (
	"net/http"
	"strings"

	ob "github.com/openbell/openbell"
)

// maxFilterTags bounds the tags of one list filter: each is a clause of the
// query.
const maxFilterTags = 20

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	q, err := parseContactsQuery(r)
	if err != nil {
		return err
	}
	page, pages, err := s.svc.ListContacts(r.Context(), p.AccountID, q)
	if err != nil {
		return err
	}
	views := make([]ob.ContactView, 0, len(page))
	for i := range page {
		v, err := s.svc.ContactView(r.Context(), &page[i], q.IncludeFieldTypes)
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	writeJSON(w, http.StatusOK, struct {
		Contacts []ob.ContactView `json:"contacts"`
		Meta     meta             `json:"meta"`
	}{views, meta{q.Page, pages}})
	return nil
}

// parseContactsQuery reads the filters of GET /contacts. Tags come as
// `tags=a,b` or `tags[]=a&tags[]=b`.
func parseContactsQuery(r *http.Request) (ob.ListContactsQuery, error) {
	var q ob.ListContactsQuery
	var err error
	if q.Page, err = queryPage(r); err != nil {
		return q, err
	}
	if q.IncludeFieldTypes, err = queryBool(r, "include_field_types"); err != nil {
		return q, err
	}
	values := r.URL.Query()
	if src := values.Get("source"); src != "" {
		if !ob.IsSource(src) {
			return q, ob.BadField("source", "must be one of whatsapp, facebook, instagram, telegram")
		}
		q.Source = src
	}
	if raw := values.Get("team_uuid"); raw != "" {
		id, ok := ob.ParseID(raw)
		if !ok {
			return q, ob.BadField("team_uuid", "must be a uuid")
		}
		q.TeamUUID = id
	}
	seen := map[string]bool{}
	for _, key := range []string{"tags", "tags[]"} {
		for _, v := range values[key] {
			for _, t := range strings.Split(v, ",") {
				if t = strings.TrimSpace(t); t != "" && !seen[strings.ToLower(t)] {
					seen[strings.ToLower(t)] = true
					q.Tags = append(q.Tags, t)
				}
			}
		}
	}
	if len(q.Tags) > maxFilterTags {
		return q, ob.BadField("tags", "at most 20 tags")
	}
	return q, nil
}

// includeFieldTypes reads include_field_types. Handlers that change a
// contact read it before the change, so a bad value changes nothing.
func includeFieldTypes(r *http.Request) (bool, error) {
	return queryBool(r, "include_field_types")
}

// writeContact answers {contact}, with customFieldsMetadata when fieldTypes.
func (s *Server) writeContact(w http.ResponseWriter, r *http.Request, c *ob.Contact, fieldTypes bool) error {
	v, err := s.svc.ContactView(r.Context(), c, fieldTypes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Contact ob.ContactView `json:"contact"`
	}{v})
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	fieldTypes, err := includeFieldTypes(r)
	if err != nil {
		return err
	}
	c, err := s.svc.Contact(r.Context(), p.AccountID, r.PathValue("uuid"))
	if err != nil {
		return err
	}
	return s.writeContact(w, r, c, fieldTypes)
}

// contactSubresource serves the two-segment GET paths under /contacts.
func (s *Server) contactSubresource(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	a, b := r.PathValue("a"), r.PathValue("b")
	switch {
	case a == "phone" || a == "bsuid":
		fieldTypes, err := includeFieldTypes(r)
		if err != nil {
			return err
		}
		if a == "bsuid" {
			c, err := s.svc.ContactByBSUID(r.Context(), p.AccountID, b)
			if err != nil {
				return err
			}
			return s.writeContact(w, r, c, fieldTypes)
		}
		c, err := s.svc.ContactByPhone(r.Context(), p.AccountID, b, r.URL.Query().Get("channel_uuid"))
		if err != nil {
			return err
		}
		return s.writeContact(w, r, c, fieldTypes)
	case b == "messages":
		return s.listMessages(w, r, p, a)
	case b == "bot":
		bot, err := s.svc.Bot(r.Context(), p.AccountID, a)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct {
			Bot ob.BotView `json:"bot"`
		}{bot})
		return nil
	}
	return ob.Errorf(ob.ENOTFOUND, "not found")
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, p *ob.Principal, contact string) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	msgs, pages, err := s.svc.Messages(r.Context(), p.AccountID, contact, page)
	if err != nil {
		return err
	}
	views := make([]ob.MessageView, len(msgs))
	for i := range msgs {
		views[i] = msgs[i].View()
	}
	writeJSON(w, http.StatusOK, struct {
		Messages []ob.MessageView `json:"messages"`
		Meta     meta             `json:"meta"`
	}{views, meta{page, pages}})
	return nil
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	fieldTypes, err := includeFieldTypes(r)
	if err != nil {
		return err
	}
	var in ob.NewContact
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.svc.CreateContact(r.Context(), p.AccountID, in)
	if err != nil {
		return err
	}
	return s.writeContact(w, r, c, fieldTypes)
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	fieldTypes, err := includeFieldTypes(r)
	if err != nil {
		return err
	}
	var in ob.ContactChanges
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.svc.UpdateContact(r.Context(), p.AccountID, r.PathValue("uuid"), in)
	if err != nil {
		return err
	}
	return s.writeContact(w, r, c, fieldTypes)
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	if err := s.svc.DeleteContact(r.Context(), p.AccountID, r.PathValue("uuid")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "contact was destroyed"})
	return nil
}

func (s *Server) closeConversation(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	fieldTypes, err := includeFieldTypes(r)
	if err != nil {
		return err
	}
	var in struct {
		ClosingReason ob.Opt[string] `json:"closing_reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var reason *string
	if v, ok := in.ClosingReason.Value(); ok {
		reason = &v
	}
	c, err := s.svc.CloseConversation(r.Context(), p.AccountID, r.PathValue("uuid"), reason)
	if err != nil {
		return err
	}
	return s.writeContact(w, r, c, fieldTypes)
}

func (s *Server) openConversation(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	fieldTypes, err := includeFieldTypes(r)
	if err != nil {
		return err
	}
	if err := decodeNone(r); err != nil {
		return err
	}
	c, err := s.svc.OpenConversation(r.Context(), p.AccountID, r.PathValue("uuid"))
	if err != nil {
		return err
	}
	return s.writeContact(w, r, c, fieldTypes)
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in struct {
		Text ob.Opt[string] `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.svc.AddNote(r.Context(), p.AccountID, r.PathValue("uuid"), in.Text); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

func (s *Server) updateFunnel(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	fieldTypes, err := includeFieldTypes(r)
	if err != nil {
		return err
	}
	var in struct {
		FunnelID ob.Opt[string] `json:"funnel_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.svc.UpdateFunnel(r.Context(), p.AccountID, r.PathValue("uuid"), in.FunnelID)
	if err != nil {
		return err
	}
	return s.writeContact(w, r, c, fieldTypes)
}

func (s *Server) setBot(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in struct {
		Status ob.Opt[string] `json:"status"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	bot, err := s.svc.SetBot(r.Context(), p.AccountID, r.PathValue("uuid"), in.Status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Bot ob.BotView `json:"bot"`
	}{bot})
	return nil
}

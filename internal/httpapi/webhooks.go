package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	ob "github.com/openbell/openbell"
)

func (s *Server) subscribeWebhook(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	var in ob.WebhookSubscription
	if err := decode(r, &in); err != nil {
		return err
	}
	hook, err := s.svc.Subscribe(r.Context(), p.AccountID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Webhook ob.WebhookView `json:"webhook"`
	}{hook.View(true)})
	return nil
}

func (s *Server) unsubscribeWebhook(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	if err := s.svc.Unsubscribe(r.Context(), p.AccountID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "webhook was destroyed"})
	return nil
}

// getWebhook is an extension: the account's webhook without its secret, so
// that a client can see whether it was disabled.
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	hook, err := s.svc.Webhook(r.Context(), p.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Webhook ob.WebhookView `json:"webhook"`
	}{hook.View(false)})
	return nil
}

func (s *Server) webhookEvents(w http.ResponseWriter, r *http.Request, p *ob.Principal) error {
	q, err := parseWebhookEventsQuery(r)
	if err != nil {
		return err
	}
	page, pages, err := s.svc.WebhookEvents(r.Context(), p.AccountID, q)
	if err != nil {
		return err
	}
	views := make([]ob.WebhookEventView, 0, len(page))
	for i := range page {
		views = append(views, page[i].View())
	}
	writeJSON(w, http.StatusOK, struct {
		Events []ob.WebhookEventView `json:"webhook_events"`
		Meta   meta                  `json:"meta"`
	}{views, meta{q.Page, pages}})
	return nil
}

// parseWebhookEventsQuery reads the filters of GET /webhooks/events.
func parseWebhookEventsQuery(r *http.Request) (ob.WebhookEventsQuery, error) {
	q := ob.WebhookEventsQuery{Items: ob.PageSize}
	var err error
	if q.Page, err = queryPage(r); err != nil {
		return q, err
	}
	values := r.URL.Query()
	if raw := values.Get("items"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			return q, ob.BadField("items", "must be a whole number from 1 to 100")
		}
		q.Items = n
	}
	switch q.Status = values.Get("status"); q.Status {
	case "", "success", "failed":
	default:
		return q, ob.BadField("status", "must be success or failed")
	}
	for _, v := range values["subscriptions"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			if !ob.IsEventName(name) {
				return q, ob.BadField("subscriptions", "unknown event: "+name)
			}
			if !slices.Contains(q.Events, name) { // at most the ten event names
				q.Events = append(q.Events, name)
			}
		}
	}
	return q, nil
}

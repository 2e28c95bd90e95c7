package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// SecretBox encrypts webhook secrets for storage (webhook.Keyring): they
// are needed in plain to sign, so they cannot be stored hashed.
type SecretBox interface {
	Seal(accountID, secret string) (string, error)
	Open(accountID, sealed string) (string, error)
}

// Subscribe creates the account's webhook, or replaces the url and
// subscriptions of the one it has, keeping its secret and enabling it again
// (pending deliveries then go out at once). The answer carries the secret.
func (s *Service) Subscribe(ctx context.Context, accountID ob.ID, in ob.WebhookSubscription) (*ob.Webhook, error) {
	v := ob.NewValidation(ob.EINVALID)
	rawURL, _ := in.URL.Value()
	switch {
	case ob.IsBlank(rawURL):
		v.Add("url", "can't be blank")
	case ob.Longer(rawURL, ob.MaxURL):
		v.Add("url", ob.TooLong(ob.MaxURL))
	case !isWebhookURL(rawURL):
		v.Add("url", "must be an absolute http or https URL")
	}
	subs, err := parseSubscriptions(in.Subscriptions, v)
	if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.opts.Secrets == nil {
		return nil, errors.New("inbox: no secret box for webhook secrets")
	}
	var out *ob.Webhook
	err = s.store.Write(ctx, func(tx store.Tx) error {
		// Two first subscribes at once must not both make a secret.
		if err := tx.LockAccount(accountID); err != nil {
			return err
		}
		// The webhook's times are the account's; its deliveries' schedule
		// runs on the server's clock.
		created, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		now := s.now()
		w := &ob.Webhook{AccountID: accountID, URL: rawURL, Subscriptions: subs, Enabled: true, CreatedAt: created, UpdatedAt: created}
		old, err := tx.WebhookByAccount(accountID)
		switch {
		case err == nil:
			w.CreatedAt = old.CreatedAt
			// A secret sealed with a key the server no longer has cannot be
			// kept: the webhook gets a new one, which this answer shows.
			if plain, err := s.opts.Secrets.Open(accountID, old.SealedSecret); err == nil {
				w.Secret, w.SealedSecret = plain, old.SealedSecret
			}
		case ob.ErrorCode(err) != ob.ENOTFOUND:
			return err
		}
		if w.Secret == "" {
			w.Secret = ob.NewWebhookSecret()
			if w.SealedSecret, err = s.opts.Secrets.Seal(accountID, w.Secret); err != nil {
				return err
			}
		}
		out = w
		return tx.SaveWebhook(w, now)
	})
	return out, err
}

// isWebhookURL reports whether raw is an absolute http or https URL with a host.
func isWebhookURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// parseSubscriptions reads `subscriptions`: an array of event names or one
// comma-separated string. Unknown names are rule violations (added to v); a
// value of another JSON type is a 400.
func parseSubscriptions(in ob.Opt[json.RawMessage], v *ob.Validation) ([]string, error) {
	raw := bytes.TrimSpace(in.V)
	var names []string
	switch {
	case !in.Set || in.Null:
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &names); err != nil {
			return nil, ob.BadField("subscriptions", "must be an array of strings or a string")
		}
	case len(raw) > 0 && raw[0] == '"':
		var list string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, ob.BadField("subscriptions", "must be an array of strings or a string")
		}
		names = strings.Split(list, ",")
	default:
		return nil, ob.BadField("subscriptions", "must be an array of strings or a string")
	}
	var out []string
	for _, name := range names {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case !ob.IsEventName(name):
			v.Add("subscriptions", "unknown event: "+name)
		case !slices.Contains(out, name):
			out = append(out, name)
		}
	}
	if len(out) == 0 && !v.Has("subscriptions") {
		v.Add("subscriptions", "can't be blank")
	}
	return out, nil
}

// Unsubscribe removes the account's webhook; its pending deliveries are
// dropped. ENOTFOUND when the account has none.
func (s *Service) Unsubscribe(ctx context.Context, accountID ob.ID) error {
	return s.store.Write(ctx, func(tx store.Tx) error { return tx.DeleteWebhook(accountID, s.now()) })
}

// Webhook returns the account's webhook (without its secret).
func (s *Service) Webhook(ctx context.Context, accountID ob.ID) (*ob.Webhook, error) {
	var w *ob.Webhook
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		w, err = tx.WebhookByAccount(accountID)
		return err
	})
	return w, err
}

// WebhookEvents returns one page of the account's delivery attempts, newest
// first, and the page count.
func (s *Service) WebhookEvents(ctx context.Context, accountID ob.ID, q ob.WebhookEventsQuery) ([]ob.WebhookAttempt, int, error) {
	offset, limit := Page(q.Page, q.Items)
	f := ob.WebhookAttemptFilter{Events: q.Events, Offset: offset, Limit: limit}
	if q.Status != "" {
		ok := q.Status == "success"
		f.Success = &ok
	}
	var page []ob.WebhookAttempt
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		page, total, err = tx.ListWebhookAttempts(accountID, f)
		return err
	})
	return page, ob.Pages(total, q.Items), err
}

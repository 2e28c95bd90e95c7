package client

import (
	"context"
	"iter"
	"strconv"
	"strings"
)

// ChannelFilter selects channels of ListChannels and Channels.
type ChannelFilter struct {
	Page int
	// Type keeps the channels of this type.
	Type string
	// Active, when set, keeps the active (true) or discarded (false)
	// channels.
	Active *bool
}

func (f ChannelFilter) query(page int) string {
	q := query{}
	q.page(page)
	q.set("type", f.Type)
	if f.Active != nil {
		q.set("active", strconv.FormatBool(*f.Active))
	}
	return q.String()
}

// ListChannels returns one page of channels, oldest first.
func (c *Client) ListChannels(ctx context.Context, f ChannelFilter) (*Page[Channel], error) {
	return listPage[Channel](ctx, c, call{method: "GET", path: "/channels" + f.query(f.Page), safe: true}, "channels")
}

// Channels iterates over the channels of every page from f.Page on.
func (c *Client) Channels(ctx context.Context, f ChannelFilter) iter.Seq2[Channel, error] {
	return all(f.Page, func(page int) (*Page[Channel], error) {
		return listPage[Channel](ctx, c, call{method: "GET", path: "/channels" + f.query(page), safe: true}, "channels")
	})
}

// Channel returns a channel.
func (c *Client) Channel(ctx context.Context, uuid string) (*Channel, error) {
	return one[Channel](ctx, c, call{method: "GET", path: "/channels/" + pathID(uuid), safe: true}, "channel")
}

// RenameChannel changes a channel's title.
func (c *Client) RenameChannel(ctx context.Context, uuid, title string) (*Channel, error) {
	return one[Channel](ctx, c, call{method: "PATCH", path: "/channels/" + pathID(uuid), body: map[string]string{"title": title}, safe: true}, "channel")
}

// ListTeams returns one page of teams, oldest first.
func (c *Client) ListTeams(ctx context.Context, page int) (*Page[Team], error) {
	q := query{}
	q.page(page)
	return listPage[Team](ctx, c, call{method: "GET", path: "/teams" + q.String(), safe: true}, "teams")
}

// Teams iterates over every team.
func (c *Client) Teams(ctx context.Context) iter.Seq2[Team, error] {
	return all(1, func(page int) (*Page[Team], error) { return c.ListTeams(ctx, page) })
}

// Team returns a team.
func (c *Client) Team(ctx context.Context, uuid string) (*Team, error) {
	return one[Team](ctx, c, call{method: "GET", path: "/teams/" + pathID(uuid), safe: true}, "team")
}

// RenameTeam changes a team's name.
func (c *Client) RenameTeam(ctx context.Context, uuid, name string) (*Team, error) {
	return one[Team](ctx, c, call{method: "PATCH", path: "/teams/" + pathID(uuid), body: map[string]string{"name": name}, safe: true}, "team")
}

// Availability filters of team members.
const (
	Available = "available"
	Away      = "away"
)

// ListTeamMembers returns one page of a team's members, in the order they
// joined; status ("", Available or Away) filters them.
func (c *Client) ListTeamMembers(ctx context.Context, teamUUID, status string, page int) (*Page[TeamMember], error) {
	q := query{}
	q.page(page)
	q.set("status", status)
	return listPage[TeamMember](ctx, c, call{method: "GET", path: "/teams/" + pathID(teamUUID) + "/members" + q.String(), safe: true}, "users")
}

// TeamMembers iterates over a team's members; status ("", Available or
// Away) filters them.
func (c *Client) TeamMembers(ctx context.Context, teamUUID, status string) iter.Seq2[TeamMember, error] {
	return all(1, func(page int) (*Page[TeamMember], error) { return c.ListTeamMembers(ctx, teamUUID, status, page) })
}

// UserStatusChange changes a user's status; nil fields are left as they
// are, and at least one must be set.
type UserStatusChange struct {
	Available *bool `json:"available,omitempty"`
	// CustomStatusID gives the user a custom status; a pointer to ""
	// clears it.
	CustomStatusID *string `json:"custom_status_uuid,omitempty"`
}

// SetUserStatus changes a user's availability or custom status (the user's
// id is TeamMember.UUID).
func (c *Client) SetUserStatus(ctx context.Context, userUUID string, ch UserStatusChange) (*UserStatus, error) {
	var out UserStatus
	if err := c.do(ctx, call{method: "PUT", path: "/users/" + pathID(userUUID) + "/status", body: ch, safe: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ClearUserStatus removes a user's custom status.
func (c *Client) ClearUserStatus(ctx context.Context, userUUID string) error {
	return c.do(ctx, call{method: "DELETE", path: "/users/" + pathID(userUUID) + "/status", safe: true}, nil)
}

// ListCustomStatuses returns one page of custom statuses, oldest first.
func (c *Client) ListCustomStatuses(ctx context.Context, page int) (*Page[CustomStatus], error) {
	q := query{}
	q.page(page)
	return listPage[CustomStatus](ctx, c, call{method: "GET", path: "/custom_statuses" + q.String(), safe: true}, "customStatuses")
}

// CustomStatuses iterates over every custom status.
func (c *Client) CustomStatuses(ctx context.Context) iter.Seq2[CustomStatus, error] {
	return all(1, func(page int) (*Page[CustomStatus], error) { return c.ListCustomStatuses(ctx, page) })
}

// CustomStatus returns a custom status.
func (c *Client) CustomStatus(ctx context.Context, id string) (*CustomStatus, error) {
	return one[CustomStatus](ctx, c, call{method: "GET", path: "/custom_statuses/" + pathID(id), safe: true}, "customStatus")
}

// CreateCustomStatus creates a custom status; emoji may be "".
func (c *Client) CreateCustomStatus(ctx context.Context, name, emoji string) (*CustomStatus, error) {
	body := map[string]string{"name": name}
	if emoji != "" {
		body["emoji"] = emoji
	}
	return one[CustomStatus](ctx, c, call{method: "POST", path: "/custom_statuses", body: body}, "customStatus")
}

// CustomStatusChange changes a custom status; nil fields are kept.
type CustomStatusChange struct {
	Name *string `json:"name,omitempty"`
	// Emoji replaces the emoji; a pointer to "" removes it.
	Emoji *string `json:"emoji,omitempty"`
}

// UpdateCustomStatus changes a custom status.
func (c *Client) UpdateCustomStatus(ctx context.Context, id string, ch CustomStatusChange) (*CustomStatus, error) {
	return one[CustomStatus](ctx, c, call{method: "PUT", path: "/custom_statuses/" + pathID(id), body: ch, safe: true}, "customStatus")
}

// DeleteCustomStatus deletes a custom status; the users holding it lose it.
func (c *Client) DeleteCustomStatus(ctx context.Context, id string) error {
	return c.do(ctx, call{method: "DELETE", path: "/custom_statuses/" + pathID(id)}, nil)
}

// ListFunnels returns one page of funnel stages, by position.
func (c *Client) ListFunnels(ctx context.Context, page int) (*Page[Funnel], error) {
	q := query{}
	q.page(page)
	return listPage[Funnel](ctx, c, call{method: "GET", path: "/funnels" + q.String(), safe: true}, "funnels")
}

// Funnels iterates over every funnel stage.
func (c *Client) Funnels(ctx context.Context) iter.Seq2[Funnel, error] {
	return all(1, func(page int) (*Page[Funnel], error) { return c.ListFunnels(ctx, page) })
}

// ListTemplates returns one page of templates, oldest first, in every
// status.
func (c *Client) ListTemplates(ctx context.Context, page int) (*Page[Template], error) {
	q := query{}
	q.page(page)
	return listPage[Template](ctx, c, call{method: "GET", path: "/templates" + q.String(), safe: true}, "templates")
}

// Templates iterates over every template.
func (c *Client) Templates(ctx context.Context) iter.Seq2[Template, error] {
	return all(1, func(page int) (*Page[Template], error) { return c.ListTemplates(ctx, page) })
}

// Template returns a template.
func (c *Client) Template(ctx context.Context, uuid string) (*Template, error) {
	return one[Template](ctx, c, call{method: "GET", path: "/templates/" + pathID(uuid), safe: true}, "template")
}

// RenameTemplate changes a template's title.
func (c *Client) RenameTemplate(ctx context.Context, uuid, title string) (*Template, error) {
	return one[Template](ctx, c, call{method: "PATCH", path: "/templates/" + pathID(uuid), body: map[string]string{"title": title}, safe: true}, "template")
}

// Plan returns the account's plan.
func (c *Client) Plan(ctx context.Context) (*Plan, error) {
	var out Plan
	if err := c.do(ctx, call{method: "GET", path: "/plan", safe: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Me names the user the token acts as.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var out Me
	if err := c.do(ctx, call{method: "GET", path: "/auth/me", safe: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Subscribe subscribes the account's webhook to url for the events named
// (every event of AllEvents when none). A second subscribe replaces the url
// and the events and keeps the secret. The answer holds the secret that
// signs the deliveries.
func (c *Client) Subscribe(ctx context.Context, url string, events ...string) (*Webhook, error) {
	if len(events) == 0 {
		events = AllEvents
	}
	return one[Webhook](ctx, c, call{method: "POST", path: "/webhooks/subscribe",
		body: map[string]any{"url": url, "subscriptions": events}, safe: true}, "webhook")
}

// Unsubscribe removes the account's webhook (ErrNotFound when there is
// none).
func (c *Client) Unsubscribe(ctx context.Context) error {
	return c.do(ctx, call{method: "DELETE", path: "/webhooks/unsubscribe"}, nil)
}

// Webhook returns the account's webhook, without its secret (openbell;
// ErrNotFound when there is none).
func (c *Client) Webhook(ctx context.Context) (*Webhook, error) {
	return one[Webhook](ctx, c, call{method: "GET", path: "/webhooks", safe: true}, "webhook")
}

// WebhookEventFilter selects delivery attempts of ListWebhookEvents and
// WebhookEvents.
type WebhookEventFilter struct {
	Page int
	// Items is the page size, 1 to 100 (default 20).
	Items int
	// Success, when set, keeps the successful (true) or failed attempts.
	Success *bool
	// Events keeps the attempts of these event names.
	Events []string
}

func (f WebhookEventFilter) query(page int) string {
	q := query{}
	q.page(page)
	if f.Items > 0 {
		q.set("items", strconv.Itoa(f.Items))
	}
	if f.Success != nil {
		q.set("status", map[bool]string{true: "success", false: "failed"}[*f.Success])
	}
	q.set("subscriptions", strings.Join(f.Events, ","))
	return q.String()
}

// ListWebhookEvents returns one page of delivery attempts, newest first.
func (c *Client) ListWebhookEvents(ctx context.Context, f WebhookEventFilter) (*Page[WebhookEvent], error) {
	return listPage[WebhookEvent](ctx, c, call{method: "GET", path: "/webhooks/events" + f.query(f.Page), safe: true}, "webhook_events")
}

// WebhookEvents iterates over the delivery attempts of every page from
// f.Page on.
func (c *Client) WebhookEvents(ctx context.Context, f WebhookEventFilter) iter.Seq2[WebhookEvent, error] {
	return all(f.Page, func(page int) (*Page[WebhookEvent], error) {
		return listPage[WebhookEvent](ctx, c, call{method: "GET", path: "/webhooks/events" + f.query(page), safe: true}, "webhook_events")
	})
}

// one decodes the object under key of an answer.
func one[T any](ctx context.Context, c *Client, cl call, key string) (*T, error) {
	var out map[string]*T
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	v := out[key]
	if v == nil {
		return nil, &Error{Status: 200, Message: "the answer has no " + key}
	}
	return v, nil
}

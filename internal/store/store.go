// Package store defines the persistence interface of openbell. Two engines
// implement it (internal/store/sqlite and internal/store/postgres, both on the
// shared SQL of internal/store/sqlstore), and both pass the contract suite in
// internal/store/storetest.
//
// Every method that looks an object up returns an *openbell.Error with code
// ENOTFOUND when there is none (never a nil object with a nil error). Lookups
// always take the account id, so one account can never reach another's rows.
package store

import (
	"context"
	"errors"
	"time"

	ob "github.com/openbell/openbell"
)

// ErrRetry is returned from inside a write transaction that lost a race to
// a concurrent one (a uniqueness it relied on was taken meanwhile): Write
// rolls it back and runs it again, once the other has committed.
var ErrRetry = errors.New("store: transaction lost a race; retry")

// Store opens transactions. Write transactions are serialized per contact
// row (SQLite: one writer; PostgreSQL: row locks taken by ContactForUpdate).
type Store interface {
	// Read runs fn in a read-only transaction.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in a read-write transaction, committed when fn returns nil
	// and rolled back otherwise: a request happens completely or not at all.
	// fn may run more than once: Write retries a transaction that returned
	// ErrRetry or that the database aborted for a deadlock or a
	// serialization failure.
	Write(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database is reachable and migrated.
	Ping(ctx context.Context) error
	// Engine names the engine: "sqlite" or "postgres".
	Engine() string
	Close() error
}

// Tx is what can be done inside a transaction.
type Tx interface {
	// Accounts and tokens.
	DefaultAccount() (*ob.Account, error)
	AccountByID(id ob.ID) (*ob.Account, error)
	AccountByName(name string) (*ob.Account, error)
	InsertAccount(a *ob.Account) error
	// LockAccount locks the account's row until the transaction ends
	// (PostgreSQL; SQLite has one writer): operations that read and then
	// create an account-wide object, such as a webhook's first secret, take
	// it first so that two at once cannot both create one.
	LockAccount(id ob.ID) error
	UpdateAccount(a *ob.Account) error
	// PrincipalByTokenHash returns ENOTFOUND for an unknown hash.
	PrincipalByTokenHash(hash string) (*ob.Principal, error)
	// InsertToken stores a token; a hash that is already stored is left as it is.
	InsertToken(t *ob.Token) error
	CountTokens(accountID ob.ID) (int, error)
	TokenNames(accountID ob.ID) ([]string, error)
	// Tokens returns the tokens of every account, oldest first (`openbell
	// token list`).
	Tokens() ([]ob.Token, error)
	// DeleteToken revokes a token; ENOTFOUND when there is no such token.
	DeleteToken(id ob.ID) error

	// Users.
	Users(accountID ob.ID) ([]ob.User, error)
	UserByID(accountID, id ob.ID) (*ob.User, error)
	UserByEmail(accountID ob.ID, email string) (*ob.User, error)
	InsertUser(u *ob.User) error
	UpdateUser(u *ob.User) error

	// Teams. Members counts are filled on every read.
	Teams(accountID ob.ID) ([]ob.Team, error)
	TeamByID(accountID, id ob.ID) (*ob.Team, error)
	TeamByName(accountID ob.ID, name string) (*ob.Team, error)
	InsertTeam(t *ob.Team) error
	UpdateTeam(t *ob.Team) error
	// SetTeamMember adds (member true) or removes a user; it reports whether
	// anything changed.
	SetTeamMember(teamID, userID ob.ID, member bool, at time.Time) (bool, error)
	TeamMembers(teamID ob.ID) ([]ob.User, error)

	// Channels.
	Channels(accountID ob.ID) ([]ob.Channel, error)
	ChannelByID(accountID, id ob.ID) (*ob.Channel, error)
	ChannelByTitle(accountID ob.ID, title string) (*ob.Channel, error)
	MainChannel(accountID ob.ID, channelType string) (*ob.Channel, error)
	InsertChannel(c *ob.Channel) error
	UpdateChannel(c *ob.Channel) error

	// Tags, in creation order.
	Tags(accountID ob.ID) ([]ob.Tag, error)
	InsertTag(t *ob.Tag) error

	// Custom fields, by position.
	CustomFields(accountID ob.ID) ([]ob.CustomField, error)
	InsertCustomField(f *ob.CustomField) error
	UpdateCustomField(f *ob.CustomField) error

	// Funnels, by position.
	Funnels(accountID ob.ID) ([]ob.Funnel, error)
	FunnelByID(accountID, id ob.ID) (*ob.Funnel, error)
	InsertFunnel(f *ob.Funnel) error
	UpdateFunnel(f *ob.Funnel) error

	// Templates, oldest first.
	Templates(accountID ob.ID) ([]ob.Template, error)
	TemplateByID(accountID, id ob.ID) (*ob.Template, error)
	InsertTemplate(t *ob.Template) error
	UpdateTemplate(t *ob.Template) error

	// Bots, oldest first.
	Bots(accountID ob.ID) ([]ob.Bot, error)
	// EnabledBot returns the account's first enabled bot.
	EnabledBot(accountID ob.ID) (*ob.Bot, error)
	InsertBot(b *ob.Bot) error
	UpdateBot(b *ob.Bot) error

	// Custom statuses, oldest first.
	CustomStatuses(accountID ob.ID) ([]ob.CustomStatus, error)
	CustomStatusByID(accountID, id ob.ID) (*ob.CustomStatus, error)
	InsertCustomStatus(s *ob.CustomStatus) error
	UpdateCustomStatus(s *ob.CustomStatus) error

	// Contacts, with their joined channel, team and assigned user.
	ContactByID(accountID, id ob.ID) (*ob.Contact, error)
	// ContactsByID returns the account's contacts among ids, in no order;
	// ids that name none are left out.
	ContactsByID(accountID ob.ID, ids []ob.ID) ([]ob.Contact, error)
	// ContactForUpdate is ContactByID that also locks the row until the
	// transaction ends.
	ContactForUpdate(accountID, id ob.ID) (*ob.Contact, error)
	ContactByIdentifier(accountID, channelID ob.ID, identifier string) (*ob.Contact, error)
	ContactByBSUID(accountID ob.ID, bsuid string) (*ob.Contact, error)
	// ListContacts returns one page, most recent activity first, and the
	// number of contacts the filter matches.
	ListContacts(accountID ob.ID, f ob.ContactFilter) ([]ob.Contact, int, error)
	// InsertContact returns ECONFLICT (with UUID set) when the channel already
	// has a contact with that identifier.
	InsertContact(c *ob.Contact) error
	UpdateContact(c *ob.Contact) error
	DeleteContact(accountID, id ob.ID) error

	// Messages, newest first.
	InsertMessage(m *ob.Message) error
	ListMessages(accountID, contactID ob.ID, offset, limit int) ([]ob.Message, int, error)

	// Messaging and the sandbox (API.md section 3 "Messages" and section 5).
	// MessageByUUID finds a message by uuid32 or wamid; ENOTFOUND otherwise.
	MessageByUUID(accountID ob.ID, uuid string) (*ob.Message, error)
	UpdateMessage(m *ob.Message) error
	// LastInboundAt is the time of the contact's newest received message
	// (zero when none): the 24-hour window.
	LastInboundAt(accountID, contactID ob.ID) (time.Time, error)
	// DueMessages claims messages of every account whose delivery step is
	// due, locking them for the transaction.
	DueMessages(now time.Time, limit int) ([]ob.Message, error)
	// IdempotentResponse returns ENOTFOUND for a key unknown or older than
	// since.
	IdempotentResponse(accountID ob.ID, key string, since time.Time) (hash string, response []byte, err error)
	// SaveIdempotentResponse returns ErrRetry when a concurrent send holds
	// the key.
	SaveIdempotentResponse(accountID ob.ID, key, hash string, response []byte, at, forgetBefore time.Time) error
	ClockOffset(accountID ob.ID) (time.Duration, error)
	SetClockOffset(accountID ob.ID, d time.Duration) error
	// ShiftWebhookSchedule moves the account's webhook retry times and
	// failing period d earlier (the sandbox clock moved forward by d).
	ShiftWebhookSchedule(accountID ob.ID, d time.Duration) error
	// ClearAccount deletes everything the account holds but the account row
	// and its tokens (POST /sandbox/v1/reset empties the account before the
	// fixture it came from is loaded again): its workspace objects, contacts
	// with their messages, tags and counts, events, webhook with its
	// deliveries, streams and attempts, idempotency keys and clock offset.
	// On PostgreSQL it first locks the account row, so that writes adding
	// rows to the account wait for the transaction to end.
	ClearAccount(accountID ob.ID) error

	// Events, in the order they were recorded.
	InsertEvent(e *ob.Event) error
	EventsAfter(accountID ob.ID, afterID int64, limit int) ([]ob.Event, error)
	// LastEventID is the id of the account's newest event, 0 when none.
	LastEventID(accountID ob.ID) (int64, error)

	// Workspace API (API.md section 3, "Channels, teams, users, statuses,
	// funnels, templates, plan, auth"). Each List method returns one page and
	// the number of objects its filter matches.
	// ListChannels lists channels oldest first.
	ListChannels(accountID ob.ID, f ob.ChannelFilter) ([]ob.Channel, int, error)
	// ListTeams lists teams oldest first, with their member counts.
	ListTeams(accountID ob.ID, offset, limit int) ([]ob.Team, int, error)
	// ListTeamMembers lists a team's members in the order they joined (ties
	// in user creation order).
	ListTeamMembers(accountID, teamID ob.ID, f ob.MemberFilter) ([]ob.User, int, error)
	// ListCustomStatuses lists custom statuses oldest first.
	ListCustomStatuses(accountID ob.ID, offset, limit int) ([]ob.CustomStatus, int, error)
	// CustomStatusForUpdate is CustomStatusByID that also locks the row, so
	// that the status cannot be deleted while a user is given it.
	CustomStatusForUpdate(accountID, id ob.ID) (*ob.CustomStatus, error)
	// DeleteCustomStatus deletes a custom status and clears it, as of at, from
	// every user holding it; it returns those users as they are now.
	// ENOTFOUND when there is no such status.
	DeleteCustomStatus(accountID, id ob.ID, at time.Time) ([]ob.User, error)
	// ListFunnels lists funnels by position.
	ListFunnels(accountID ob.ID, offset, limit int) ([]ob.Funnel, int, error)
	// ListTemplates lists templates oldest first.
	ListTemplates(accountID ob.ID, offset, limit int) ([]ob.Template, int, error)
	// UserForUpdate is UserByID that also locks the row until the transaction
	// ends.
	UserForUpdate(accountID, id ob.ID) (*ob.User, error)
	// ActingUser returns the user a token of the account acts as: the first
	// admin by creation order, else the first user. ENOTFOUND when the
	// account has no user.
	ActingUser(accountID ob.ID) (*ob.User, error)
	// CountUsers counts the account's users, available or away: the
	// activeUsers of GET /plan.
	CountUsers(accountID ob.ID) (int, error)

	// Webhooks (API.md sections 3 and 4). InsertEvent queues a delivery when
	// the account's webhook subscribes to the event at that moment.
	// WebhookByAccount returns the account's webhook, ENOTFOUND when none.
	WebhookByAccount(accountID ob.ID) (*ob.Webhook, error)
	// SaveWebhook creates or replaces the account's webhook, enabled. Pending
	// deliveries of events it no longer subscribes to are cancelled; the
	// others are due at now with a fresh retry schedule.
	SaveWebhook(w *ob.Webhook, now time.Time) error
	// DeleteWebhook removes the account's webhook and cancels its pending
	// deliveries; ENOTFOUND when there is none.
	DeleteWebhook(accountID ob.ID, now time.Time) error
	// ListWebhookAttempts returns one page of the attempt log, newest first,
	// and the number of entries the filter matches.
	ListWebhookAttempts(accountID ob.ID, f ob.WebhookAttemptFilter) ([]ob.WebhookAttempt, int, error)
	// ClaimDeliveries leases up to limit streams of every account whose next
	// delivery is due at now to worker until leaseUntil, and returns the
	// oldest pending delivery of each with its webhook. A stream stays
	// claimed until RecordDeliveries or the lease ends; on PostgreSQL
	// concurrent claims skip each other's rows.
	// allowance says how many more streams of an account may be claimed
	// (the worker's per-account cap less what it has in flight): an
	// account's backlog never takes the place of another's deliveries.
	ClaimDeliveries(worker string, now, leaseUntil time.Time, limit int, allowance func(accountID ob.ID) int) ([]ob.WebhookDelivery, error)
	// RecordDeliveries stores what became of claimed deliveries: the attempt
	// log, the delivery and stream state, and the webhook's failure clock
	// (disabling it on 410 or when it has failed since DisableBefore).
	// It returns the accounts whose webhook the batch disabled.
	RecordDeliveries(worker string, results []ob.DeliveryResult) (disabled []ob.ID, err error)
	// ReleaseLeases gives back the streams worker holds; worker "" releases
	// every lease (at the start of a single-process engine).
	ReleaseLeases(worker string) error
	// DeliveryBacklog counts the pending webhook deliveries of every
	// account and tells when the oldest was queued (zero when none).
	DeliveryBacklog() (pending int, oldest time.Time, err error)
	// NextDeliveryAt returns when the next delivery is due after now (zero
	// when nothing is pending).
	NextDeliveryAt(now time.Time) (time.Time, error)
	// PruneEvents deletes what --event-retention no longer keeps (API.md
	// section 6): events created before before, except those whose webhook
	// delivery is still pending (kept until it is delivered, given up or
	// cancelled); attempts made before it; deliveries done before it; and
	// streams with nothing pending. It deletes at most limit rows of each
	// table, oldest first, and reports whether a table had more to delete.
	PruneEvents(before time.Time, limit int) (more bool, err error)
	// The web inbox (docs/UI.md).
	// InboxContacts returns one page of the conversations f selects, most
	// recent activity first (the order of ListContacts).
	InboxContacts(accountID ob.ID, f ob.InboxFilter) ([]ob.Contact, error)
	// ContactByConversation returns the contact whose conversation has that
	// id (the /chat/<id> of conversationHref); ENOTFOUND when none.
	ContactByConversation(accountID, conversationID ob.ID) (*ob.Contact, error)
	// LastMessages returns the newest message that is not a note of each
	// of the contacts that has one, by contact id.
	LastMessages(accountID ob.ID, contactIDs []ob.ID) (map[ob.ID]ob.Message, error)
	// UsersByEmail returns the users with that e-mail (case-insensitively)
	// in every account, oldest account first: sign-in by password.
	UsersByEmail(email string) ([]ob.User, error)
	// PasswordHash returns the user's password hash, "" when it has none;
	// ENOTFOUND when there is no such user. SetPasswordHash stores one.
	PasswordHash(accountID, userID ob.ID) (string, error)
	SetPasswordHash(accountID, userID ob.ID, hash string) error
	// InsertSession stores a session (and forgets the expired ones).
	InsertSession(s *ob.Session) error
	// SessionByHash returns the session of a cookie's hashed secret;
	// ENOTFOUND when there is none, it has expired at now, or the token
	// it was opened with has been revoked.
	SessionByHash(hash string, now time.Time) (*ob.Session, error)
	// DeleteSession ends a session; ending one that is gone is no error.
	DeleteSession(hash string) error

	// ServerKey returns a key the server stored for itself, ENOTFOUND when
	// none. InsertServerKey stores one unless the name is already taken;
	// SetServerKey stores one, replacing the name's value (a record the
	// server keeps up to date, such as the last --seed it loaded).
	ServerKey(name string) (string, error)
	InsertServerKey(name, value string, at time.Time) error
	SetServerKey(name, value string, at time.Time) error
}

// Observer hears of the store's work, for metrics.
type Observer interface {
	// WriteDone is called when a write transaction ends (err nil: it
	// committed).
	WriteDone(err error)
	// GroupCommitted is called when size write transactions shared one
	// commit.
	GroupCommitted(size int)
}

// DeliveryNotifier is implemented by stores that signal, after a commit,
// that the transaction queued webhook deliveries or made some due, so the
// delivery worker starts at once instead of at its next poll. A signal may
// cover several commits.
type DeliveryNotifier interface {
	DeliveriesQueued() <-chan struct{}
}

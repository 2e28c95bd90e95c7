package sqlstore

import (
	"cmp"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
)

const messageCols = "id, account_id, contact_id, uuid, kind, system, text, channel, from_addr, to_addr, created_at, attachments, metadata, status, status_reason, corrected_number, delivery_due_at, fail_reason, status_at, template_id, details, author_id"

func scanMessage(s scanner) (ob.Message, error) {
	var m ob.Message
	err := s.Scan(&m.ID, &m.AccountID, &m.ContactID, &m.UUID, &m.Kind, (*flag)(&m.System), &m.Text, &m.Channel,
		&m.From, &m.To, (*millis)(&m.CreatedAt), jsonText{&m.Attachments}, jsonText{&m.Metadata}, &m.Status,
		&m.StatusReason, &m.CorrectedNumber, (*millis)(&m.DueAt), &m.FailReason, (*millis)(&m.StatusAt), &m.TemplateID,
		jsonText{&m.Details}, &m.AuthorID)
	return m, err
}

// InsertMessage stores m after the contact's newest message (seq breaks ties
// between messages of the same millisecond).
func (t *tx) InsertMessage(m *ob.Message) error {
	if m.ID == "" {
		m.ID = rowID()
	}
	attachments, metadata, details := "", "", detailsJSON(m.Details)
	if len(m.Attachments) > 0 {
		attachments = toJSON(m.Attachments)
	}
	if len(m.Metadata) > 0 {
		metadata = toJSON(m.Metadata)
	}
	_, err := t.exec(`INSERT INTO messages (id, account_id, contact_id, seq, uuid, kind, system, text, channel,
		from_addr, to_addr, created_at, attachments, metadata, status, status_reason, corrected_number, delivery_due_at, fail_reason,
		status_at, template_id, details, author_id)
		VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.AccountID, m.ContactID, m.UUID, m.Kind, b2i(m.System), m.Text, m.Channel,
		m.From, m.To, ob.Millis(m.CreatedAt), attachments, metadata, m.Status, m.StatusReason, m.CorrectedNumber,
		ob.Millis(m.DueAt), m.FailReason, ob.Millis(m.StatusAt), m.TemplateID, details, m.AuthorID)
	if err != nil || m.Kind != ob.MessageReceived {
		return err
	}
	_, err = t.exec("UPDATE contacts SET last_inbound_at = ? WHERE account_id = ? AND id = ? AND last_inbound_at < ?",
		ob.Millis(m.CreatedAt), m.AccountID, m.ContactID, ob.Millis(m.CreatedAt))
	return err
}

// rowID returns a new internal row id: 32 hex characters that start with
// the time in milliseconds, so that new rows land next to each other in the
// id's index. Public ids (uuid32) stay random UUIDv4s.
func rowID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func (t *tx) ListMessages(accountID, contactID ob.ID, offset, limit int) ([]ob.Message, int, error) {
	page, err := list(t, scanMessage, "SELECT "+messageCols+` FROM messages WHERE account_id = ? AND contact_id = ?
		ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`, accountID, contactID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	var total int
	err = t.queryRow("SELECT COUNT(*) FROM messages WHERE account_id = ? AND contact_id = ?", accountID, contactID).Scan(&total)
	return page, total, err
}

// MessageByUUID finds a message by its public id (uuid32 or wamid).
// In a write transaction the row is locked until it ends.
func (t *tx) MessageByUUID(accountID ob.ID, uuid string) (*ob.Message, error) {
	lock := ""
	if t.write {
		lock = t.db.d.ForUpdate
	}
	return get(t, "message", scanMessage, "SELECT "+messageCols+" FROM messages WHERE account_id = ? AND uuid = ? AND uuid <> ''"+lock, accountID, uuid)
}

// UpdateMessage writes the mutable parts of a message: text, attachments and
// its delivery state.
func (t *tx) UpdateMessage(m *ob.Message) error {
	attachments := ""
	if len(m.Attachments) > 0 {
		attachments = toJSON(m.Attachments)
	}
	_, err := t.exec(`UPDATE messages SET text = ?, attachments = ?, status = ?, status_reason = ?, corrected_number = ?,
		delivery_due_at = ?, fail_reason = ?, status_at = ?, details = ? WHERE account_id = ? AND id = ?`,
		m.Text, attachments, m.Status, m.StatusReason, m.CorrectedNumber, ob.Millis(m.DueAt), m.FailReason,
		ob.Millis(m.StatusAt), detailsJSON(m.Details), m.AccountID, m.ID)
	return err
}

// detailsJSON is the stored form of a message's optional objects: "" for
// none.
func detailsJSON(d ob.MessageDetails) string {
	if d.Empty() {
		return ""
	}
	return toJSON(d)
}

// LastInboundAt returns the time of the contact's newest received message, or
// the zero time.
func (t *tx) LastInboundAt(accountID, contactID ob.ID) (time.Time, error) {
	var ms int64
	err := t.queryRow("SELECT last_inbound_at FROM contacts WHERE account_id = ? AND id = ?", accountID, contactID).Scan(&ms)
	return ob.FromMillis(ms), one(err, "contact")
}

// DueMessages returns up to limit of the messages whose delivery step is
// due at now, the longest due first, locked for this transaction (rows
// another process holds are skipped on PostgreSQL). They come ordered by
// account and contact, each contact's in due order: the status events of a
// batch queue deliveries on many webhook streams (one per contact), and the
// delivery worker records results in the same order, so on PostgreSQL the
// two take the stream rows' locks in one order and cannot deadlock.
func (t *tx) DueMessages(now time.Time, limit int) ([]ob.Message, error) {
	due, err := list(t, scanMessage, "SELECT "+messageCols+` FROM messages WHERE delivery_due_at > 0 AND delivery_due_at <= ?
		ORDER BY delivery_due_at LIMIT ?`+t.db.d.SkipLocked, ob.Millis(now), limit)
	slices.SortStableFunc(due, func(a, b ob.Message) int {
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.ContactID, b.ContactID))
	})
	return due, err
}

// lockWebhook locks the account's webhook row, if it has one, until the
// transaction ends (PostgreSQL).
func (t *tx) lockWebhook(accountID ob.ID) error {
	var id string
	err := t.queryRow("SELECT account_id FROM webhooks WHERE account_id = ?"+t.db.d.ForUpdate, accountID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

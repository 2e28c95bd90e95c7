package sqlstore

import (
	ob "github.com/openbell/openbell"
)

const messageCols = "id, account_id, contact_id, uuid, kind, system, text, channel, from_addr, to_addr, created_at, attachments, metadata, status"

func scanMessage(s scanner) (ob.Message, error) {
	var m ob.Message
	err := s.Scan(&m.ID, &m.AccountID, &m.ContactID, &m.UUID, &m.Kind, (*flag)(&m.System), &m.Text, &m.Channel,
		&m.From, &m.To, (*millis)(&m.CreatedAt), jsonText{&m.Attachments}, jsonText{&m.Metadata}, &m.Status)
	return m, err
}

// InsertMessage stores m after the contact's newest message (seq breaks ties
// between messages of the same millisecond).
func (t *tx) InsertMessage(m *ob.Message) error {
	if m.ID == "" {
		m.ID = ob.NewID()
	}
	attachments, metadata := "", ""
	if len(m.Attachments) > 0 {
		attachments = toJSON(m.Attachments)
	}
	if len(m.Metadata) > 0 {
		metadata = toJSON(m.Metadata)
	}
	_, err := t.exec(`INSERT INTO messages (id, account_id, contact_id, seq, uuid, kind, system, text, channel,
		from_addr, to_addr, created_at, attachments, metadata, status)
		VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE contact_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.AccountID, m.ContactID, m.ContactID, m.UUID, m.Kind, b2i(m.System), m.Text, m.Channel,
		m.From, m.To, ob.Millis(m.CreatedAt), attachments, metadata, m.Status)
	return err
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

package sqlstore

import (
	"strings"
	"time"

	ob "github.com/openbell/openbell"
)

// The web inbox (docs/UI.md): its conversation list, passwords and sessions.

// InboxContacts reads one page of the web inbox's list, in list order, off
// the contacts_activity index: the filters are checked on the rows the index
// yields until the page is full, so a page of a common filter costs what a
// page of the whole list does.
func (t *tx) InboxContacts(accountID ob.ID, f ob.InboxFilter) ([]ob.Contact, error) {
	where := []string{"c.account_id = ?"}
	args := []any{accountID}
	switch f.Status {
	case "open":
		where = append(where, "c.closed_at = 0")
	case "closed":
		where = append(where, "c.closed_at > 0")
	}
	switch {
	case f.Unassigned:
		where = append(where, "c.assigned_user_id = ''")
	case f.AssignedUserID != "":
		where = append(where, "c.assigned_user_id = ?")
		args = append(args, f.AssignedUserID)
	}
	if f.TeamID != "" {
		where = append(where, "c.team_id = ?")
		args = append(args, f.TeamID)
	}
	if f.ChannelID != "" {
		where = append(where, "c.channel_id = ?")
		args = append(args, f.ChannelID)
	}
	if f.Tag != "" {
		where = append(where, `EXISTS (SELECT 1 FROM contact_tags ct JOIN tags tg ON tg.id = ct.tag_id
			WHERE ct.contact_id = c.id AND tg.account_id = ? AND tg.name_key = ?)`)
		args = append(args, accountID, tagKey(f.Tag))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		cond := "LOWER(c.name) LIKE ? ESCAPE '\\'"
		args = append(args, "%"+likeEscape(strings.ToLower(q))+"%")
		if digits := ob.Digits(q); digits != "" && len(digits)*2 >= len(strings.Trim(q, " +")) {
			// Mostly digits: a phone number, in any common form.
			cond += " OR c.identifier LIKE ?"
			args = append(args, "%"+digits+"%")
		}
		where = append(where, "("+cond+")")
	}
	return list(t, scanContact, contactSelect+" WHERE "+strings.Join(where, " AND ")+
		" ORDER BY c.activity_at DESC, c.created_at DESC, c.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
}

// ContactByConversation finds a contact by its conversation's id.
func (t *tx) ContactByConversation(accountID, conversationID ob.ID) (*ob.Contact, error) {
	return get(t, "conversation", scanContact, contactSelect+" WHERE c.account_id = ? AND c.conversation_id = ?", accountID, conversationID)
}

// likeEscape escapes the wildcards of a LIKE pattern (with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// LastMessages reads the newest message of each contact that is not a note,
// one index lookup per contact.
func (t *tx) LastMessages(accountID ob.ID, contactIDs []ob.ID) (map[ob.ID]ob.Message, error) {
	out := make(map[ob.ID]ob.Message, len(contactIDs))
	for _, id := range contactIDs {
		m, err := get(t, "message", scanMessage, "SELECT "+messageCols+` FROM messages
			WHERE account_id = ? AND contact_id = ? AND kind <> 'note' ORDER BY created_at DESC, seq DESC LIMIT 1`, accountID, id)
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		out[id] = *m
	}
	return out, nil
}

// UsersByEmail returns the users with that e-mail (case-insensitively) in
// every account, oldest account first.
func (t *tx) UsersByEmail(email string) ([]ob.User, error) {
	return list(t, scanUser, "SELECT "+prefixed("u.", userCols)+` FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE lower(u.email) = ? ORDER BY a.created_at, a.id`, strings.ToLower(email))
}

func (t *tx) PasswordHash(accountID, userID ob.ID) (string, error) {
	var hash string
	err := t.queryRow("SELECT password_hash FROM users WHERE account_id = ? AND id = ?", accountID, userID).Scan(&hash)
	return hash, one(err, "user")
}

func (t *tx) SetPasswordHash(accountID, userID ob.ID, hash string) error {
	res, err := t.exec("UPDATE users SET password_hash = ? WHERE account_id = ? AND id = ?", hash, accountID, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ob.NotFound("user")
	}
	return nil
}

// InsertSession stores s and deletes the sessions that have expired.
func (t *tx) InsertSession(s *ob.Session) error {
	if _, err := t.exec("DELETE FROM sessions WHERE expires_at <= ?", ob.Millis(s.CreatedAt)); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO sessions (id, account_id, user_id, token_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.Hash, s.AccountID, s.UserID, s.TokenID, ob.Millis(s.CreatedAt), ob.Millis(s.ExpiresAt))
	return err
}

// SessionByHash finds a session that has not expired at now and, when it
// was opened with a token, whose token is still there.
func (t *tx) SessionByHash(hash string, now time.Time) (*ob.Session, error) {
	return get(t, "session", func(s scanner) (ob.Session, error) {
		var x ob.Session
		err := s.Scan(&x.Hash, &x.AccountID, &x.UserID, &x.TokenID, (*millis)(&x.CreatedAt), (*millis)(&x.ExpiresAt))
		return x, err
	}, `SELECT s.id, s.account_id, s.user_id, s.token_id, s.created_at, s.expires_at FROM sessions s
		WHERE s.id = ? AND s.expires_at > ?
		AND (s.token_id = '' OR EXISTS (SELECT 1 FROM api_tokens k WHERE k.id = s.token_id AND k.account_id = s.account_id))`,
		hash, ob.Millis(now))
}

func (t *tx) DeleteSession(hash string) error {
	_, err := t.exec("DELETE FROM sessions WHERE id = ?", hash)
	return err
}

package sqlstore

import (
	"cmp"
	"database/sql"
	"maps"
	"slices"
	"strings"

	ob "github.com/openbell/openbell"
)

// contactSelect reads a contact with its channel, team (and member count) and
// assigned user's email in one row.
const contactSelect = `SELECT c.id, c.account_id, c.channel_id, c.name, c.identifier, c.bsuid, c.avatar_url,
	c.blocked_at, c.created_at, c.activity_at, c.conversation_id, c.conversation_created_at, c.closed_at,
	c.funnel_id, c.assigned_user_id, c.team_id, c.note, c.bot_status, c.bot_started_at, c.tags, c.custom_fields,
	ch.id, ch.account_id, ch.type, ch.title, ch.identifier, ch.main, ch.discarded, ch.created_at,
	COALESCE(u.email, ''), t.id, t.name, t.is_default, t.created_at,
	CASE WHEN t.id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM team_members tm WHERE tm.team_id = t.id) END
FROM contacts c
JOIN channels ch ON ch.id = c.channel_id
LEFT JOIN users u ON u.id = c.assigned_user_id
LEFT JOIN teams t ON t.id = c.team_id`

func scanContact(s scanner) (ob.Contact, error) {
	var c ob.Contact
	var teamID, teamName sql.NullString
	var tm ob.Team
	err := s.Scan(&c.ID, &c.AccountID, &c.ChannelID, &c.Name, &c.Identifier, &c.BSUID, &c.AvatarURL,
		(*millis)(&c.BlockedAt), (*millis)(&c.CreatedAt), (*micros)(&c.ActivityAt), &c.ConversationID,
		(*millis)(&c.ConversationCreatedAt), (*millis)(&c.ClosedAt),
		&c.FunnelID, &c.AssignedUserID, &c.TeamID, &c.Note, &c.BotStatus, (*millis)(&c.BotStartedAt),
		jsonText{&c.Tags}, jsonText{&c.CustomFields},
		&c.Channel.ID, &c.Channel.AccountID, &c.Channel.Type, &c.Channel.Title, &c.Channel.Identifier,
		(*flag)(&c.Channel.Main), (*flag)(&c.Channel.Discarded), (*millis)(&c.Channel.CreatedAt),
		&c.AssignedUserEmail, &teamID, &teamName, (*flag)(&tm.Default), (*millis)(&tm.CreatedAt), &tm.Members)
	if err != nil {
		return c, err
	}
	if teamID.Valid {
		tm.ID, tm.Name, tm.AccountID = teamID.String, teamName.String, c.AccountID
		c.Team = &tm
	}
	return c, nil
}

func (t *tx) ContactByID(accountID, id ob.ID) (*ob.Contact, error) {
	c, err := get(t, "contact", scanContact, contactSelect+" WHERE c.account_id = ? AND c.id = ?", accountID, id)
	if err == nil {
		t.remember(c)
	}
	return c, err
}

// ContactsByID returns the account's contacts among ids, in no order, in one
// query (a batch of delivery steps reads the contacts of its messages).
func (t *tx) ContactsByID(accountID ob.ID, ids []ob.ID) ([]ob.Contact, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, accountID)
	for _, id := range ids {
		args = append(args, id)
	}
	out, err := list(t, scanContact, contactSelect+" WHERE c.account_id = ? AND c.id IN ("+placeholders(len(ids))+")", args...)
	for i := range out {
		t.remember(&out[i])
	}
	return out, err
}

// storedContact is what UpdateContact and DeleteContact compare against: the
// columns that contact_tags and contact_counts follow, as stored.
type storedContact struct {
	tags     []string
	team     string
	activity int64
	source   string
}

// remember notes c as stored, for a later update in this transaction.
func (t *tx) remember(c *ob.Contact) {
	if t.loaded == nil {
		t.loaded = map[ob.ID]storedContact{}
	}
	t.loaded[c.ID] = storedContact{tags: slices.Clone(c.Tags), team: c.TeamID, activity: micro(c.ActivityAt), source: c.Channel.Type}
}

// stored returns the stored state of a contact: as this transaction read or
// wrote it, else from the database.
func (t *tx) stored(accountID, id ob.ID) (storedContact, error) {
	if s, ok := t.loaded[id]; ok {
		return s, nil
	}
	var s storedContact
	err := t.queryRow("SELECT tags, team_id, activity_at, source FROM contacts WHERE account_id = ? AND id = ?", accountID, id).
		Scan(jsonText{&s.tags}, &s.team, &s.activity, &s.source)
	return s, one(err, "contact")
}

func (t *tx) ContactForUpdate(accountID, id ob.ID) (*ob.Contact, error) {
	if t.db.d.ForUpdate == "" {
		return t.ContactByID(accountID, id)
	}
	// Lock the contact row first (FOR UPDATE cannot apply to the outer joins).
	var locked string
	if err := t.queryRow("SELECT id FROM contacts WHERE account_id = ? AND id = ?"+t.db.d.ForUpdate, accountID, id).Scan(&locked); err != nil {
		return nil, one(err, "contact")
	}
	return t.ContactByID(accountID, id)
}

// ContactByIdentifier finds a contact by channel and identifier. In a write
// transaction the row is locked (as ContactForUpdate), since the caller may
// go on to change the contact.
func (t *tx) ContactByIdentifier(accountID, channelID ob.ID, identifier string) (*ob.Contact, error) {
	return t.contactWhere(accountID, "c.channel_id = ? AND c.identifier = ?", channelID, identifier)
}

// ContactByBSUID finds a contact by bsuid, locked like ContactByIdentifier.
func (t *tx) ContactByBSUID(accountID ob.ID, bsuid string) (*ob.Contact, error) {
	return t.contactWhere(accountID, "c.bsuid = ? AND c.bsuid <> ''", bsuid)
}

// contactWhere reads the account's first contact matching cond; in a write
// transaction on an engine with row locks it locks the row first.
func (t *tx) contactWhere(accountID ob.ID, cond string, args ...any) (*ob.Contact, error) {
	if t.write && t.db.d.ForUpdate != "" {
		var id string
		err := t.queryRow("SELECT c.id FROM contacts c WHERE c.account_id = ? AND "+cond+" ORDER BY c.created_at LIMIT 1"+t.db.d.ForUpdate,
			append([]any{accountID}, args...)...).Scan(&id)
		if err != nil {
			return nil, one(err, "contact")
		}
		return t.ContactByID(accountID, id)
	}
	c, err := get(t, "contact", scanContact, contactSelect+" WHERE c.account_id = ? AND "+cond+" ORDER BY c.created_at LIMIT 1",
		append([]any{accountID}, args...)...)
	if err == nil && t.write {
		t.remember(c)
	}
	return c, err
}

// ListContacts reads one page in list order. With a tag filter the page comes
// off the contact_tags order index; without, off contacts_activity. The total
// comes from contact_counts when at most one filter dimension is set, so
// neither the page nor its meta costs a scan of the matching contacts.
func (t *tx) ListContacts(accountID ob.ID, f ob.ContactFilter) ([]ob.Contact, int, error) {
	if err := t.flushCounts(); err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if len(f.Tags) > 0 {
		// The tag's rows belong to the account's contacts only, so the
		// first tag both filters and scopes.
		where = append(where, "ct0.tag_id = (SELECT id FROM tags WHERE account_id = ? AND name_key = ?)")
		args = append(args, accountID, tagKey(f.Tags[0]))
		for _, tag := range f.Tags[1:] {
			where = append(where, `EXISTS (SELECT 1 FROM contact_tags ctn JOIN tags tg ON tg.id = ctn.tag_id
				WHERE ctn.contact_id = ct0.contact_id AND tg.account_id = ? AND tg.name_key = ?)`)
			args = append(args, accountID, tagKey(tag))
		}
	} else {
		where = append(where, "c.account_id = ?")
		args = append(args, accountID)
	}
	if f.Source != "" {
		where = append(where, "c.source = ?")
		args = append(args, f.Source)
	}
	if f.TeamID != "" {
		where = append(where, "c.team_id = ?")
		args = append(args, f.TeamID)
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var page []ob.Contact
	var err error
	if len(f.Tags) > 0 {
		// Pick the page's ids off the tag order index first, then read those
		// contacts: the plan cannot go wrong however little the planner
		// knows of the tables.
		inner := "FROM contact_tags ct0"
		if f.Source != "" || f.TeamID != "" {
			inner += " JOIN contacts c ON c.id = ct0.contact_id"
		}
		from := strings.Replace(contactSelect, "FROM contacts c", `FROM (SELECT ct0.contact_id AS pid, ct0.activity_at AS pa, ct0.created_at AS pc `+
			inner+cond+` ORDER BY ct0.activity_at DESC, ct0.created_at DESC, ct0.contact_id DESC LIMIT ? OFFSET ?) pg
			JOIN contacts c ON c.id = pg.pid`, 1)
		page, err = list(t, scanContact, from+" ORDER BY pg.pa DESC, pg.pc DESC, pg.pid DESC", append(args, f.Limit, f.Offset)...)
	} else {
		page, err = list(t, scanContact, contactSelect+cond+" ORDER BY c.activity_at DESC, c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
			append(args, f.Limit, f.Offset)...)
	}
	if err != nil {
		return nil, 0, err
	}
	var total int
	dims := 0
	dim := "all"
	if f.Source != "" {
		dims++
		dim = "source:" + f.Source
	}
	if f.TeamID != "" {
		dims++
		dim = "team:" + f.TeamID
	}
	if len(f.Tags) > 0 {
		dims += len(f.Tags)
		dim = "tag:" + tagKey(f.Tags[0])
	}
	if dims <= 1 {
		err = t.queryRow("SELECT COALESCE((SELECT n FROM contact_counts WHERE account_id = ? AND dimension = ?), 0)", accountID, dim).Scan(&total)
	} else {
		countFrom := "FROM contacts c"
		if len(f.Tags) > 0 {
			countFrom = "FROM contact_tags ct0"
			if f.Source != "" || f.TeamID != "" {
				countFrom += " JOIN contacts c ON c.id = ct0.contact_id"
			}
		}
		err = t.queryRow("SELECT COUNT(*) "+countFrom+cond, args...).Scan(&total)
	}
	return page, total, err
}

// dimensions lists the contact_counts rows a contact counts in.
func dimensions(source, teamID string, tags []string) []string {
	d := []string{"all", "source:" + source}
	if teamID != "" {
		d = append(d, "team:"+teamID)
	}
	for _, tg := range tags {
		d = append(d, "tag:"+tagKey(tg))
	}
	return d
}

// addCounts changes the contact counts of dims by delta. The changes are
// summed in the transaction and written once before it commits
// (flushCounts): a load of many contacts updates each counter row once, not
// once per contact.
func (t *tx) addCounts(accountID ob.ID, dims []string, delta int) error {
	if t.counts == nil {
		t.counts = map[countKey]int{}
	}
	for _, d := range dims {
		t.counts[countKey{accountID, d}] += delta
	}
	return nil
}

type countKey struct {
	account ob.ID
	dim     string
}

// flushCounts writes the summed count changes, in a fixed order so that
// concurrent transactions take the counter rows' locks in the same order.
func (t *tx) flushCounts() error {
	keys := slices.SortedFunc(maps.Keys(t.counts), func(a, b countKey) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.dim, b.dim))
	})
	for _, k := range keys {
		delta := t.counts[k]
		if delta == 0 {
			continue
		}
		if _, err := t.exec(`INSERT INTO contact_counts (account_id, dimension, n) VALUES (?, ?, ?)
			ON CONFLICT (account_id, dimension) DO UPDATE SET n = contact_counts.n + excluded.n`, k.account, k.dim, delta); err != nil {
			return err
		}
	}
	clear(t.counts)
	return nil
}

func (t *tx) InsertContact(c *ob.Contact) error {
	// ON CONFLICT DO NOTHING waits for a concurrent insert of the same
	// identifier to commit and then inserts nothing, so the loser of a race
	// learns the winner's uuid instead of failing its transaction.
	res, err := t.exec(`INSERT INTO contacts (id, account_id, channel_id, source, name, identifier, bsuid, avatar_url,
		blocked_at, created_at, activity_at, conversation_id, conversation_created_at, closed_at, funnel_id,
		assigned_user_id, team_id, note, bot_status, bot_started_at, tags, custom_fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel_id, identifier) DO NOTHING`,
		c.ID, c.AccountID, c.ChannelID, c.Channel.Type, c.Name, c.Identifier, c.BSUID, c.AvatarURL,
		ob.Millis(c.BlockedAt), ob.Millis(c.CreatedAt), micro(c.ActivityAt), c.ConversationID,
		ob.Millis(c.ConversationCreatedAt), ob.Millis(c.ClosedAt), c.FunnelID, c.AssignedUserID, c.TeamID,
		c.Note, c.BotStatus, ob.Millis(c.BotStartedAt), toJSON(nonNil(c.Tags)), toJSON(nonNilMap(c.CustomFields)))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		var existing string
		if err := t.queryRow("SELECT id FROM contacts WHERE channel_id = ? AND identifier = ?", c.ChannelID, c.Identifier).Scan(&existing); err != nil {
			return err
		}
		return &ob.Error{Code: ob.ECONFLICT, Message: ob.MsgContactExists, UUID: existing}
	}
	if err := t.insertContactTags(c, c.Tags); err != nil {
		return err
	}
	return t.addCounts(c.AccountID, dimensions(c.Channel.Type, c.TeamID, c.Tags), 1)
}

func (t *tx) insertContactTags(c *ob.Contact, tags []string) error {
	for _, tg := range tags {
		if _, err := t.exec(`INSERT INTO contact_tags (contact_id, tag_id, activity_at, created_at)
			SELECT ?, id, ?, ? FROM tags WHERE account_id = ? AND name_key = ?`,
			c.ID, micro(c.ActivityAt), ob.Millis(c.CreatedAt), c.AccountID, tagKey(tg)); err != nil {
			return err
		}
	}
	return nil
}

// UpdateContact writes every column of c and keeps contact_tags and
// contact_counts in step with its tags, team and activity.
func (t *tx) UpdateContact(c *ob.Contact) error {
	old, err := t.stored(c.AccountID, c.ID)
	if err != nil {
		return err
	}
	if t.loaded == nil {
		t.loaded = map[ob.ID]storedContact{}
	}
	oldTags, oldTeam, oldActivity := old.tags, old.team, old.activity
	_, err = t.exec(`UPDATE contacts SET name = ?, bsuid = ?, avatar_url = ?, blocked_at = ?, activity_at = ?,
		closed_at = ?, funnel_id = ?, assigned_user_id = ?, team_id = ?, note = ?, bot_status = ?, bot_started_at = ?,
		tags = ?, custom_fields = ? WHERE account_id = ? AND id = ?`,
		c.Name, c.BSUID, c.AvatarURL, ob.Millis(c.BlockedAt), micro(c.ActivityAt), ob.Millis(c.ClosedAt),
		c.FunnelID, c.AssignedUserID, c.TeamID, c.Note, c.BotStatus, ob.Millis(c.BotStartedAt),
		toJSON(nonNil(c.Tags)), toJSON(nonNilMap(c.CustomFields)), c.AccountID, c.ID)
	if err != nil {
		return err
	}
	added, removed := diffKeys(oldTags, c.Tags)
	if len(removed) > 0 {
		for _, tg := range removed {
			if _, err := t.exec(`DELETE FROM contact_tags WHERE contact_id = ?
				AND tag_id = (SELECT id FROM tags WHERE account_id = ? AND name_key = ?)`, c.ID, c.AccountID, tagKey(tg)); err != nil {
				return err
			}
		}
	}
	if micro(c.ActivityAt) != oldActivity {
		if _, err := t.exec("UPDATE contact_tags SET activity_at = ? WHERE contact_id = ?", micro(c.ActivityAt), c.ID); err != nil {
			return err
		}
	}
	if err := t.insertContactTags(c, added); err != nil {
		return err
	}
	var plus, minus []string
	for _, tg := range added {
		plus = append(plus, "tag:"+tagKey(tg))
	}
	for _, tg := range removed {
		minus = append(minus, "tag:"+tagKey(tg))
	}
	if oldTeam != c.TeamID {
		if oldTeam != "" {
			minus = append(minus, "team:"+oldTeam)
		}
		if c.TeamID != "" {
			plus = append(plus, "team:"+c.TeamID)
		}
	}
	if err := t.addCounts(c.AccountID, plus, 1); err != nil {
		return err
	}
	if err := t.addCounts(c.AccountID, minus, -1); err != nil {
		return err
	}
	t.loaded[c.ID] = storedContact{tags: slices.Clone(c.Tags), team: c.TeamID, activity: micro(c.ActivityAt), source: old.source}
	return nil
}

// diffKeys compares two tag lists case-insensitively.
func diffKeys(old, new []string) (added, removed []string) {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if tagKey(x) == tagKey(s) {
				return true
			}
		}
		return false
	}
	for _, s := range new {
		if !in(old, s) {
			added = append(added, s)
		}
	}
	for _, s := range old {
		if !in(new, s) {
			removed = append(removed, s)
		}
	}
	return added, removed
}

func (t *tx) DeleteContact(accountID, id ob.ID) error {
	old, err := t.stored(accountID, id)
	if err != nil {
		return err
	}
	tags, team, source := old.tags, old.team, old.source
	delete(t.loaded, id)
	for _, q := range []string{
		"DELETE FROM contact_tags WHERE contact_id = ?",
		"DELETE FROM messages WHERE contact_id = ?",
		"DELETE FROM contacts WHERE id = ?",
	} {
		if _, err := t.exec(q, id); err != nil {
			return err
		}
	}
	return t.addCounts(accountID, dimensions(source, team, tags), -1)
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

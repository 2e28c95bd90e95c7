package sqlstore

import (
	"strings"
	"time"

	ob "github.com/openbell/openbell"
)

// Users.

const userCols = "id, account_id, email, name, admin, available, last_updated_at, custom_status_id, custom_status_updated_at, created_at"

func scanUser(s scanner) (ob.User, error) {
	var u ob.User
	err := s.Scan(&u.ID, &u.AccountID, &u.Email, &u.Name, (*flag)(&u.Admin), (*flag)(&u.Available),
		(*millis)(&u.LastUpdatedAt), &u.CustomStatusID, (*millis)(&u.CustomStatusUpdatedAt), (*millis)(&u.CreatedAt))
	return u, err
}

func (t *tx) Users(accountID ob.ID) ([]ob.User, error) {
	return list(t, scanUser, "SELECT "+userCols+" FROM users WHERE account_id = ? ORDER BY created_at, email", accountID)
}

func (t *tx) UserByID(accountID, id ob.ID) (*ob.User, error) {
	return get(t, "user", scanUser, "SELECT "+userCols+" FROM users WHERE account_id = ? AND id = ?", accountID, id)
}

func (t *tx) UserByEmail(accountID ob.ID, email string) (*ob.User, error) {
	return get(t, "user", scanUser, "SELECT "+userCols+" FROM users WHERE account_id = ? AND lower(email) = ?", accountID, strings.ToLower(email))
}

func (t *tx) InsertUser(u *ob.User) error {
	_, err := t.exec("INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.AccountID, u.Email, u.Name, b2i(u.Admin), b2i(u.Available), ob.Millis(u.LastUpdatedAt),
		u.CustomStatusID, ob.Millis(u.CustomStatusUpdatedAt), ob.Millis(u.CreatedAt))
	return err
}

func (t *tx) UpdateUser(u *ob.User) error {
	_, err := t.exec(`UPDATE users SET email = ?, name = ?, admin = ?, available = ?, last_updated_at = ?,
		custom_status_id = ?, custom_status_updated_at = ? WHERE account_id = ? AND id = ?`,
		u.Email, u.Name, b2i(u.Admin), b2i(u.Available), ob.Millis(u.LastUpdatedAt),
		u.CustomStatusID, ob.Millis(u.CustomStatusUpdatedAt), u.AccountID, u.ID)
	return err
}

// Teams.

const teamCols = "t.id, t.account_id, t.name, t.is_default, t.created_at, (SELECT COUNT(*) FROM team_members tm WHERE tm.team_id = t.id)"

func scanTeam(s scanner) (ob.Team, error) {
	var tm ob.Team
	err := s.Scan(&tm.ID, &tm.AccountID, &tm.Name, (*flag)(&tm.Default), (*millis)(&tm.CreatedAt), &tm.Members)
	return tm, err
}

func (t *tx) Teams(accountID ob.ID) ([]ob.Team, error) {
	return list(t, scanTeam, "SELECT "+teamCols+" FROM teams t WHERE t.account_id = ? ORDER BY t.created_at, t.id", accountID)
}

func (t *tx) TeamByID(accountID, id ob.ID) (*ob.Team, error) {
	return get(t, "team", scanTeam, "SELECT "+teamCols+" FROM teams t WHERE t.account_id = ? AND t.id = ?", accountID, id)
}

func (t *tx) TeamByName(accountID ob.ID, name string) (*ob.Team, error) {
	return get(t, "team", scanTeam, "SELECT "+teamCols+" FROM teams t WHERE t.account_id = ? AND t.name = ?", accountID, name)
}

func (t *tx) InsertTeam(tm *ob.Team) error {
	_, err := t.exec("INSERT INTO teams (id, account_id, name, is_default, created_at) VALUES (?, ?, ?, ?, ?)",
		tm.ID, tm.AccountID, tm.Name, b2i(tm.Default), ob.Millis(tm.CreatedAt))
	return err
}

func (t *tx) UpdateTeam(tm *ob.Team) error {
	_, err := t.exec("UPDATE teams SET name = ?, is_default = ? WHERE account_id = ? AND id = ?",
		tm.Name, b2i(tm.Default), tm.AccountID, tm.ID)
	return err
}

func (t *tx) SetTeamMember(teamID, userID ob.ID, member bool, at time.Time) (bool, error) {
	var q string
	args := []any{teamID, userID}
	if member {
		q = "INSERT INTO team_members (team_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (team_id, user_id) DO NOTHING"
		args = append(args, ob.Millis(at))
	} else {
		q = "DELETE FROM team_members WHERE team_id = ? AND user_id = ?"
	}
	res, err := t.exec(q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (t *tx) TeamMembers(teamID ob.ID) ([]ob.User, error) {
	return list(t, scanUser, "SELECT "+prefixed("u.", userCols)+` FROM users u JOIN team_members tm ON tm.user_id = u.id
		WHERE tm.team_id = ? ORDER BY tm.created_at, u.email`, teamID)
}

// prefixed qualifies every column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}

// Channels.

const channelCols = "id, account_id, type, title, identifier, main, discarded, created_at"

func scanChannel(s scanner) (ob.Channel, error) {
	var c ob.Channel
	err := s.Scan(&c.ID, &c.AccountID, &c.Type, &c.Title, &c.Identifier, (*flag)(&c.Main), (*flag)(&c.Discarded), (*millis)(&c.CreatedAt))
	return c, err
}

func (t *tx) Channels(accountID ob.ID) ([]ob.Channel, error) {
	return list(t, scanChannel, "SELECT "+channelCols+" FROM channels WHERE account_id = ? ORDER BY created_at, id", accountID)
}

func (t *tx) ChannelByID(accountID, id ob.ID) (*ob.Channel, error) {
	return get(t, "channel", scanChannel, "SELECT "+channelCols+" FROM channels WHERE account_id = ? AND id = ?", accountID, id)
}

func (t *tx) ChannelByTitle(accountID ob.ID, title string) (*ob.Channel, error) {
	return get(t, "channel", scanChannel, "SELECT "+channelCols+" FROM channels WHERE account_id = ? AND title = ? ORDER BY created_at LIMIT 1", accountID, title)
}

func (t *tx) MainChannel(accountID ob.ID, channelType string) (*ob.Channel, error) {
	return get(t, "channel", scanChannel, "SELECT "+channelCols+" FROM channels WHERE account_id = ? AND type = ? AND main = 1 ORDER BY created_at LIMIT 1", accountID, channelType)
}

func (t *tx) InsertChannel(c *ob.Channel) error {
	_, err := t.exec("INSERT INTO channels ("+channelCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.AccountID, c.Type, c.Title, c.Identifier, b2i(c.Main), b2i(c.Discarded), ob.Millis(c.CreatedAt))
	return err
}

func (t *tx) UpdateChannel(c *ob.Channel) error {
	_, err := t.exec("UPDATE channels SET type = ?, title = ?, identifier = ?, main = ?, discarded = ? WHERE account_id = ? AND id = ?",
		c.Type, c.Title, c.Identifier, b2i(c.Main), b2i(c.Discarded), c.AccountID, c.ID)
	return err
}

// Tags.

func (t *tx) Tags(accountID ob.ID) ([]ob.Tag, error) {
	return list(t, func(s scanner) (ob.Tag, error) {
		var tg ob.Tag
		err := s.Scan(&tg.ID, &tg.AccountID, &tg.Name)
		return tg, err
	}, "SELECT id, account_id, name FROM tags WHERE account_id = ? ORDER BY created_at, id", accountID)
}

func (t *tx) InsertTag(tg *ob.Tag) error {
	_, err := t.exec("INSERT INTO tags (id, account_id, name, name_key, created_at) VALUES (?, ?, ?, ?, ?)",
		tg.ID, tg.AccountID, tg.Name, tagKey(tg.Name), ob.Millis(tg.CreatedAt))
	return err
}

// tagKey is the case-insensitive key tags are matched on.
func tagKey(name string) string { return strings.ToLower(name) }

// Custom fields.

func scanCustomField(s scanner) (ob.CustomField, error) {
	var f ob.CustomField
	err := s.Scan(&f.ID, &f.AccountID, &f.Name, &f.Type, jsonText{&f.Options}, &f.Position)
	return f, err
}

func (t *tx) CustomFields(accountID ob.ID) ([]ob.CustomField, error) {
	return list(t, scanCustomField, "SELECT id, account_id, name, type, options, position FROM custom_fields WHERE account_id = ? ORDER BY position, name", accountID)
}

func (t *tx) InsertCustomField(f *ob.CustomField) error {
	_, err := t.exec("INSERT INTO custom_fields (id, account_id, name, type, options, position) VALUES (?, ?, ?, ?, ?, ?)",
		f.ID, f.AccountID, f.Name, f.Type, toJSON(nonNil(f.Options)), f.Position)
	return err
}

func (t *tx) UpdateCustomField(f *ob.CustomField) error {
	_, err := t.exec("UPDATE custom_fields SET name = ?, type = ?, options = ?, position = ? WHERE account_id = ? AND id = ?",
		f.Name, f.Type, toJSON(nonNil(f.Options)), f.Position, f.AccountID, f.ID)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Funnels.

const funnelCols = "id, account_id, name, emoji, position, created_at"

func scanFunnel(s scanner) (ob.Funnel, error) {
	var f ob.Funnel
	err := s.Scan(&f.ID, &f.AccountID, &f.Name, &f.Emoji, &f.Position, (*millis)(&f.CreatedAt))
	return f, err
}

func (t *tx) Funnels(accountID ob.ID) ([]ob.Funnel, error) {
	return list(t, scanFunnel, "SELECT "+funnelCols+" FROM funnels WHERE account_id = ? ORDER BY position, created_at, id", accountID)
}

func (t *tx) FunnelByID(accountID, id ob.ID) (*ob.Funnel, error) {
	return get(t, "funnel", scanFunnel, "SELECT "+funnelCols+" FROM funnels WHERE account_id = ? AND id = ?", accountID, id)
}

func (t *tx) InsertFunnel(f *ob.Funnel) error {
	_, err := t.exec("INSERT INTO funnels ("+funnelCols+") VALUES (?, ?, ?, ?, ?, ?)",
		f.ID, f.AccountID, f.Name, f.Emoji, f.Position, ob.Millis(f.CreatedAt))
	return err
}

func (t *tx) UpdateFunnel(f *ob.Funnel) error {
	_, err := t.exec("UPDATE funnels SET name = ?, emoji = ?, position = ? WHERE account_id = ? AND id = ?",
		f.Name, f.Emoji, f.Position, f.AccountID, f.ID)
	return err
}

// Templates.

const templateCols = "id, account_id, title, text, template_type, category, status, created_at"

func scanTemplate(s scanner) (ob.Template, error) {
	var tp ob.Template
	err := s.Scan(&tp.ID, &tp.AccountID, &tp.Title, &tp.Text, &tp.Type, &tp.Category, &tp.Status, (*millis)(&tp.CreatedAt))
	return tp, err
}

func (t *tx) Templates(accountID ob.ID) ([]ob.Template, error) {
	return list(t, scanTemplate, "SELECT "+templateCols+" FROM templates WHERE account_id = ? ORDER BY created_at, id", accountID)
}

func (t *tx) TemplateByID(accountID, id ob.ID) (*ob.Template, error) {
	return get(t, "template", scanTemplate, "SELECT "+templateCols+" FROM templates WHERE account_id = ? AND id = ?", accountID, id)
}

func (t *tx) InsertTemplate(tp *ob.Template) error {
	_, err := t.exec("INSERT INTO templates ("+templateCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		tp.ID, tp.AccountID, tp.Title, tp.Text, tp.Type, tp.Category, tp.Status, ob.Millis(tp.CreatedAt))
	return err
}

func (t *tx) UpdateTemplate(tp *ob.Template) error {
	_, err := t.exec("UPDATE templates SET title = ?, text = ?, template_type = ?, category = ?, status = ? WHERE account_id = ? AND id = ?",
		tp.Title, tp.Text, tp.Type, tp.Category, tp.Status, tp.AccountID, tp.ID)
	return err
}

// Bots.

const botCols = "id, account_id, name, enabled, version, created_at"

func scanBot(s scanner) (ob.Bot, error) {
	var b ob.Bot
	err := s.Scan(&b.ID, &b.AccountID, &b.Name, (*flag)(&b.Enabled), &b.Version, (*millis)(&b.CreatedAt))
	return b, err
}

func (t *tx) Bots(accountID ob.ID) ([]ob.Bot, error) {
	return list(t, scanBot, "SELECT "+botCols+" FROM bots WHERE account_id = ? ORDER BY created_at, id", accountID)
}

func (t *tx) EnabledBot(accountID ob.ID) (*ob.Bot, error) {
	return get(t, "bot", scanBot, "SELECT "+botCols+" FROM bots WHERE account_id = ? AND enabled = 1 ORDER BY created_at, id LIMIT 1", accountID)
}

func (t *tx) InsertBot(b *ob.Bot) error {
	_, err := t.exec("INSERT INTO bots ("+botCols+") VALUES (?, ?, ?, ?, ?, ?)",
		b.ID, b.AccountID, b.Name, b2i(b.Enabled), b.Version, ob.Millis(b.CreatedAt))
	return err
}

func (t *tx) UpdateBot(b *ob.Bot) error {
	_, err := t.exec("UPDATE bots SET name = ?, enabled = ?, version = ? WHERE account_id = ? AND id = ?",
		b.Name, b2i(b.Enabled), b.Version, b.AccountID, b.ID)
	return err
}

// Custom statuses.

const customStatusCols = "id, account_id, name, emoji, created_at, updated_at"

func scanCustomStatus(s scanner) (ob.CustomStatus, error) {
	var cs ob.CustomStatus
	err := s.Scan(&cs.ID, &cs.AccountID, &cs.Name, &cs.Emoji, (*millis)(&cs.CreatedAt), (*millis)(&cs.UpdatedAt))
	return cs, err
}

func (t *tx) CustomStatuses(accountID ob.ID) ([]ob.CustomStatus, error) {
	return list(t, scanCustomStatus, "SELECT "+customStatusCols+" FROM custom_statuses WHERE account_id = ? ORDER BY created_at, id", accountID)
}

func (t *tx) CustomStatusByID(accountID, id ob.ID) (*ob.CustomStatus, error) {
	return get(t, "custom status", scanCustomStatus, "SELECT "+customStatusCols+" FROM custom_statuses WHERE account_id = ? AND id = ?", accountID, id)
}

func (t *tx) InsertCustomStatus(cs *ob.CustomStatus) error {
	_, err := t.exec("INSERT INTO custom_statuses ("+customStatusCols+") VALUES (?, ?, ?, ?, ?, ?)",
		cs.ID, cs.AccountID, cs.Name, cs.Emoji, ob.Millis(cs.CreatedAt), ob.Millis(cs.UpdatedAt))
	return err
}

func (t *tx) UpdateCustomStatus(cs *ob.CustomStatus) error {
	_, err := t.exec("UPDATE custom_statuses SET name = ?, emoji = ?, updated_at = ? WHERE account_id = ? AND id = ?",
		cs.Name, cs.Emoji, ob.Millis(cs.UpdatedAt), cs.AccountID, cs.ID)
	return err
}

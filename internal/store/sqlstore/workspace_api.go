package sqlstore

import (
	"slices"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
)

// The reads and writes of the workspace API (API.md section 3, "Channels,
// teams, users, statuses, funnels, templates, plan, auth"). Every list is
// paged in SQL and counted with the same conditions; every query is bound to
// the account.

// paged reads one page of `SELECT cols <from> ORDER BY order` and the number
// of rows `from` matches. from holds the FROM and WHERE clauses, args their
// placeholders.
func paged[T any](t *tx, scan func(scanner) (T, error), cols, from, order string, args []any, offset, limit int) ([]T, int, error) {
	page, err := list(t, scan, "SELECT "+cols+" "+from+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(slices.Clone(args), limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := t.queryRow("SELECT COUNT(*) "+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	return page, total, nil
}

func (t *tx) ListChannels(accountID ob.ID, f ob.ChannelFilter) ([]ob.Channel, int, error) {
	where := []string{"account_id = ?"}
	args := []any{accountID}
	if f.Type != "" {
		where = append(where, "type = ?")
		args = append(args, f.Type)
	}
	if f.Active != nil {
		where = append(where, "discarded = ?")
		args = append(args, b2i(!*f.Active))
	}
	return paged(t, scanChannel, channelCols, "FROM channels WHERE "+strings.Join(where, " AND "),
		"created_at, id", args, f.Offset, f.Limit)
}

func (t *tx) ListTeams(accountID ob.ID, offset, limit int) ([]ob.Team, int, error) {
	return paged(t, scanTeam, teamCols, "FROM teams t WHERE t.account_id = ?", "t.created_at, t.id",
		[]any{accountID}, offset, limit)
}

func (t *tx) ListTeamMembers(accountID, teamID ob.ID, f ob.MemberFilter) ([]ob.User, int, error) {
	from := `FROM team_members tm JOIN teams t ON t.id = tm.team_id JOIN users u ON u.id = tm.user_id
		WHERE t.account_id = ? AND u.account_id = ? AND tm.team_id = ?`
	args := []any{accountID, accountID, teamID}
	if f.Available != nil {
		from += " AND u.available = ?"
		args = append(args, b2i(*f.Available))
	}
	return paged(t, scanUser, prefixed("u.", userCols), from, "tm.created_at, u.created_at, u.id", args, f.Offset, f.Limit)
}

func (t *tx) ListCustomStatuses(accountID ob.ID, offset, limit int) ([]ob.CustomStatus, int, error) {
	return paged(t, scanCustomStatus, customStatusCols, "FROM custom_statuses WHERE account_id = ?", "created_at, id",
		[]any{accountID}, offset, limit)
}

func (t *tx) CustomStatusForUpdate(accountID, id ob.ID) (*ob.CustomStatus, error) {
	return get(t, "custom status", scanCustomStatus,
		"SELECT "+customStatusCols+" FROM custom_statuses WHERE account_id = ? AND id = ?"+t.db.d.ForUpdate, accountID, id)
}

// DeleteCustomStatus deletes the status row first: on PostgreSQL that waits
// for a transaction that has locked it to give the status to a user
// (CustomStatusForUpdate), so the users cleared next include that one.
func (t *tx) DeleteCustomStatus(accountID, id ob.ID, at time.Time) ([]ob.User, error) {
	res, err := t.exec("DELETE FROM custom_statuses WHERE account_id = ? AND id = ?", accountID, id)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, ob.NotFound("custom status")
	}
	users, err := list(t, scanUser, `UPDATE users SET custom_status_id = '', custom_status_updated_at = ?
		WHERE account_id = ? AND custom_status_id = ? RETURNING `+userCols, ob.Millis(at), accountID, id)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(users, func(a, b ob.User) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Email, b.Email)
	})
	return users, nil
}

func (t *tx) ListFunnels(accountID ob.ID, offset, limit int) ([]ob.Funnel, int, error) {
	return paged(t, scanFunnel, funnelCols, "FROM funnels WHERE account_id = ?", "position, created_at, id",
		[]any{accountID}, offset, limit)
}

func (t *tx) ListTemplates(accountID ob.ID, offset, limit int) ([]ob.Template, int, error) {
	return paged(t, scanTemplate, templateCols, "FROM templates WHERE account_id = ?", "created_at, id",
		[]any{accountID}, offset, limit)
}

func (t *tx) UserForUpdate(accountID, id ob.ID) (*ob.User, error) {
	return get(t, "user", scanUser, "SELECT "+userCols+" FROM users WHERE account_id = ? AND id = ?"+t.db.d.ForUpdate, accountID, id)
}

func (t *tx) ActingUser(accountID ob.ID) (*ob.User, error) {
	return get(t, "user", scanUser, "SELECT "+userCols+" FROM users WHERE account_id = ? ORDER BY admin DESC, created_at, email LIMIT 1", accountID)
}

func (t *tx) CountUsers(accountID ob.ID) (int, error) {
	var n int
	err := t.queryRow("SELECT COUNT(*) FROM users WHERE account_id = ?", accountID).Scan(&n)
	return n, err
}

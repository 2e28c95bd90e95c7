package inbox

import (
	"context"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// The workspace operations of API.md section 3, "Channels, teams, users,
// statuses, funnels, templates, plan, auth".

// ListChannels returns one page of the account's channels, oldest first, and
// the page count.
func (s *Service) ListChannels(ctx context.Context, accountID ob.ID, page int, f ob.ChannelFilter) ([]ob.Channel, int, error) {
	f.Offset, f.Limit = Page(page, ob.PageSize)
	var out []ob.Channel
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		out, total, err = tx.ListChannels(accountID, f)
		return err
	})
	return out, ob.Pages(total, ob.PageSize), err
}

// Channel returns a channel of the account by uuid (either form).
func (s *Service) Channel(ctx context.Context, accountID ob.ID, rawID string) (*ob.Channel, error) {
	return readByID(ctx, s, "channel", rawID, func(tx store.Tx, id ob.ID) (*ob.Channel, error) { return tx.ChannelByID(accountID, id) })
}

// UpdateChannel renames a channel; the title must not be blank.
func (s *Service) UpdateChannel(ctx context.Context, accountID ob.ID, rawID string, in ob.ChannelChanges) (*ob.Channel, error) {
	return writeByID(ctx, s, "channel", rawID, func(tx store.Tx, id ob.ID) (*ob.Channel, error) {
		ch, err := tx.ChannelByID(accountID, id)
		if err != nil {
			return nil, err
		}
		if !in.Title.Set {
			return ch, nil
		}
		title, _ := in.Title.Value()
		if ob.IsBlank(title) {
			return nil, ob.Invalid("title", "can't be blank")
		}
		if ob.Longer(title, ob.MaxName) {
			return nil, ob.Invalid("title", ob.TooLong(ob.MaxName))
		}
		if title == ch.Title {
			return ch, nil
		}
		ch.Title = title
		return ch, tx.UpdateChannel(ch)
	})
}

// ListTeams returns one page of the account's teams, oldest first, and the
// page count.
func (s *Service) ListTeams(ctx context.Context, accountID ob.ID, page int) ([]ob.Team, int, error) {
	offset, limit := Page(page, ob.PageSize)
	var out []ob.Team
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		out, total, err = tx.ListTeams(accountID, offset, limit)
		return err
	})
	return out, ob.Pages(total, ob.PageSize), err
}

// Team returns a team of the account by uuid (either form).
func (s *Service) Team(ctx context.Context, accountID ob.ID, rawID string) (*ob.Team, error) {
	return readByID(ctx, s, "team", rawID, func(tx store.Tx, id ob.ID) (*ob.Team, error) { return tx.TeamByID(accountID, id) })
}

// UpdateTeam renames a team; the name must not be blank.
func (s *Service) UpdateTeam(ctx context.Context, accountID ob.ID, rawID string, in ob.TeamChanges) (*ob.Team, error) {
	return writeByID(ctx, s, "team", rawID, func(tx store.Tx, id ob.ID) (*ob.Team, error) {
		team, err := tx.TeamByID(accountID, id)
		if err != nil {
			return nil, err
		}
		if !in.Name.Set {
			return team, nil
		}
		name, _ := in.Name.Value()
		if ob.IsBlank(name) {
			return nil, ob.Invalid("name", "can't be blank")
		}
		if ob.Longer(name, ob.MaxName) {
			return nil, ob.Invalid("name", ob.TooLong(ob.MaxName))
		}
		if name == team.Name {
			return team, nil
		}
		team.Name = name
		return team, tx.UpdateTeam(team)
	})
}

// TeamMembers returns one page of a team's members as TeamMember objects, in
// the order they joined, and the page count.
func (s *Service) TeamMembers(ctx context.Context, accountID ob.ID, rawTeamID string, page int, f ob.MemberFilter) ([]ob.TeamMemberView, int, error) {
	teamID, ok := ob.ParseID(rawTeamID)
	if !ok {
		return nil, 0, ob.NotFound("team")
	}
	f.Offset, f.Limit = Page(page, ob.PageSize)
	var out []ob.TeamMemberView
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) error {
		if _, err := tx.TeamByID(accountID, teamID); err != nil {
			return err
		}
		users, n, err := tx.ListTeamMembers(accountID, teamID, f)
		if err != nil {
			return err
		}
		total = n
		out = make([]ob.TeamMemberView, len(users))
		for i := range users {
			status, err := heldStatus(tx, &users[i])
			if err != nil {
				return err
			}
			out[i] = users[i].MemberView(status)
		}
		return nil
	})
	return out, ob.Pages(total, ob.PageSize), err
}

// heldStatus returns the custom status u holds, nil when none.
func heldStatus(tx store.Tx, u *ob.User) (*ob.CustomStatus, error) {
	if u.CustomStatusID == "" {
		return nil, nil
	}
	cs, err := tx.CustomStatusByID(u.AccountID, u.CustomStatusID)
	if ob.ErrorCode(err) == ob.ENOTFOUND {
		// Deleted by a transaction that committed after this one read the
		// user: the user no longer holds it.
		return nil, nil
	}
	return cs, err
}

// SetUserStatus changes a user's availability and custom status (a null or
// "" custom_status_uuid clears it) and returns the user_status answer. It
// fires agent_status_updated when something changed.
func (s *Service) SetUserStatus(ctx context.Context, accountID ob.ID, rawUserID string, in ob.UserStatusChanges) (ob.UserStatusView, error) {
	var out ob.UserStatusView
	err := s.changeUserStatus(ctx, accountID, rawUserID, func(tx store.Tx, u *ob.User) (*ob.CustomStatus, error) {
		v := ob.NewValidation(ob.EINVALID)
		if !in.Available.Set && !in.CustomStatusUUID.Set {
			v.Add("available", "available or custom_status_uuid is required")
			v.Add("custom_status_uuid", "available or custom_status_uuid is required")
		}
		available, availableGiven := in.Available.Value()
		if in.Available.Set && !availableGiven {
			v.Add("available", "must be true or false")
		}
		var status *ob.CustomStatus
		raw, _ := in.CustomStatusUUID.Value()
		if raw != "" {
			var err error
			status, err = lookup(raw, func(id ob.ID) (*ob.CustomStatus, error) { return tx.CustomStatusForUpdate(accountID, id) })
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				v.Add("custom_status_uuid", "unknown custom status: "+raw)
			} else if err != nil {
				return nil, err
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return nil, err
		}
		if availableGiven && available != u.Available {
			u.Available, u.LastUpdatedAt = available, now
		}
		if in.CustomStatusUUID.Set {
			var id ob.ID
			if status != nil {
				id = status.ID
			}
			if id != u.CustomStatusID {
				u.CustomStatusID, u.CustomStatusUpdatedAt = id, now
			}
			return status, nil
		}
		return heldStatus(tx, u)
	}, &out)
	return out, err
}

// ClearUserStatus removes a user's custom status, firing
// agent_status_updated when the user had one.
func (s *Service) ClearUserStatus(ctx context.Context, accountID ob.ID, rawUserID string) error {
	return s.changeUserStatus(ctx, accountID, rawUserID, func(tx store.Tx, u *ob.User) (*ob.CustomStatus, error) {
		if u.CustomStatusID != "" {
			now, err := s.accountNow(tx, accountID)
			if err != nil {
				return nil, err
			}
			u.CustomStatusID, u.CustomStatusUpdatedAt = "", now
		}
		return nil, nil
	}, nil)
}

// changeUserStatus runs change on the locked user; change returns the custom
// status the user holds afterwards. When availability or custom status
// changed, the user is stored and agent_status_updated fires in the same
// transaction. out, when not nil, receives the user_status answer.
func (s *Service) changeUserStatus(ctx context.Context, accountID ob.ID, rawUserID string,
	change func(store.Tx, *ob.User) (*ob.CustomStatus, error), out *ob.UserStatusView) error {
	id, ok := ob.ParseID(rawUserID)
	if !ok {
		return ob.NotFound("user")
	}
	return s.store.Write(ctx, func(tx store.Tx) error {
		u, err := tx.UserForUpdate(accountID, id)
		if err != nil {
			return err
		}
		before := *u
		status, err := change(tx, u)
		if err != nil {
			return err
		}
		if out != nil {
			*out = u.StatusView(status)
		}
		if u.Available == before.Available && u.CustomStatusID == before.CustomStatusID {
			return nil
		}
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		return s.emit(tx, now, accountID, ob.EventAgentStatusUpdated, "", u.MemberView(status))
	})
}

// ListCustomStatuses returns one page of the account's custom statuses,
// oldest first, and the page count.
func (s *Service) ListCustomStatuses(ctx context.Context, accountID ob.ID, page int) ([]ob.CustomStatus, int, error) {
	offset, limit := Page(page, ob.PageSize)
	var out []ob.CustomStatus
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		out, total, err = tx.ListCustomStatuses(accountID, offset, limit)
		return err
	})
	return out, ob.Pages(total, ob.PageSize), err
}

// CustomStatus returns a custom status of the account by id (either form).
func (s *Service) CustomStatus(ctx context.Context, accountID ob.ID, rawID string) (*ob.CustomStatus, error) {
	return readByID(ctx, s, "custom status", rawID, func(tx store.Tx, id ob.ID) (*ob.CustomStatus, error) {
		return tx.CustomStatusByID(accountID, id)
	})
}

// CreateCustomStatus creates a custom status; name is required.
func (s *Service) CreateCustomStatus(ctx context.Context, accountID ob.ID, in ob.CustomStatusFields) (*ob.CustomStatus, error) {
	v := ob.NewValidation(ob.EINVALID)
	name, _ := in.Name.Value()
	if ob.IsBlank(name) {
		v.Add("name", "can't be blank")
	} else {
		v.MaxLength("name", name, ob.MaxName)
	}
	emoji, _ := in.Emoji.Value()
	v.MaxLength("emoji", emoji, ob.MaxEmoji)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var cs *ob.CustomStatus
	err := s.store.Write(ctx, func(tx store.Tx) error {
		now, err := s.creationTime(tx, accountID)
		if err != nil {
			return err
		}
		cs = &ob.CustomStatus{ID: ob.NewID(), AccountID: accountID, Name: name, Emoji: emoji, CreatedAt: now, UpdatedAt: now}
		return tx.InsertCustomStatus(cs)
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// UpdateCustomStatus changes a custom status's name (not blank) and emoji
// (null or "" clears it); updatedAt moves only when something changed.
func (s *Service) UpdateCustomStatus(ctx context.Context, accountID ob.ID, rawID string, in ob.CustomStatusFields) (*ob.CustomStatus, error) {
	return writeByID(ctx, s, "custom status", rawID, func(tx store.Tx, id ob.ID) (*ob.CustomStatus, error) {
		cs, err := tx.CustomStatusForUpdate(accountID, id)
		if err != nil {
			return nil, err
		}
		before := *cs
		v := ob.NewValidation(ob.EINVALID)
		if in.Name.Set {
			name, _ := in.Name.Value()
			if ob.IsBlank(name) {
				v.Add("name", "can't be blank")
			} else if v.MaxLength("name", name, ob.MaxName) {
				cs.Name = name
			}
		}
		if in.Emoji.Set {
			if emoji, _ := in.Emoji.Value(); v.MaxLength("emoji", emoji, ob.MaxEmoji) {
				cs.Emoji = emoji
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		if cs.Name == before.Name && cs.Emoji == before.Emoji {
			return cs, nil
		}
		if cs.UpdatedAt, err = s.accountNow(tx, accountID); err != nil {
			return nil, err
		}
		return cs, tx.UpdateCustomStatus(cs)
	})
}

// DeleteCustomStatus deletes a custom status. The users holding it lose it,
// each firing agent_status_updated, in the same transaction.
func (s *Service) DeleteCustomStatus(ctx context.Context, accountID ob.ID, rawID string) error {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return ob.NotFound("custom status")
	}
	return s.store.Write(ctx, func(tx store.Tx) error {
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		cleared, err := tx.DeleteCustomStatus(accountID, id, now)
		if err != nil {
			return err
		}
		for i := range cleared {
			if err := s.emit(tx, now, accountID, ob.EventAgentStatusUpdated, "", cleared[i].MemberView(nil)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListFunnels returns one page of the account's funnels by position and the
// page count.
func (s *Service) ListFunnels(ctx context.Context, accountID ob.ID, page int) ([]ob.Funnel, int, error) {
	offset, limit := Page(page, ob.PageSize)
	var out []ob.Funnel
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		out, total, err = tx.ListFunnels(accountID, offset, limit)
		return err
	})
	return out, ob.Pages(total, ob.PageSize), err
}

// ListTemplates returns one page of the account's templates, oldest first,
// and the page count.
func (s *Service) ListTemplates(ctx context.Context, accountID ob.ID, page int) ([]ob.Template, int, error) {
	offset, limit := Page(page, ob.PageSize)
	var out []ob.Template
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		out, total, err = tx.ListTemplates(accountID, offset, limit)
		return err
	})
	return out, ob.Pages(total, ob.PageSize), err
}

// Template returns a template of the account by uuid (either form).
func (s *Service) Template(ctx context.Context, accountID ob.ID, rawID string) (*ob.Template, error) {
	return readByID(ctx, s, "template", rawID, func(tx store.Tx, id ob.ID) (*ob.Template, error) { return tx.TemplateByID(accountID, id) })
}

// UpdateTemplate changes a template's title; it must not be blank.
func (s *Service) UpdateTemplate(ctx context.Context, accountID ob.ID, rawID string, in ob.TemplateChanges) (*ob.Template, error) {
	return writeByID(ctx, s, "template", rawID, func(tx store.Tx, id ob.ID) (*ob.Template, error) {
		tp, err := tx.TemplateByID(accountID, id)
		if err != nil {
			return nil, err
		}
		if !in.Title.Set {
			return tp, nil
		}
		title, _ := in.Title.Value()
		if ob.IsBlank(title) {
			return nil, ob.Invalid("title", "can't be blank")
		}
		if ob.Longer(title, ob.MaxName) {
			return nil, ob.Invalid("title", ob.TooLong(ob.MaxName))
		}
		if title == tp.Title {
			return tp, nil
		}
		tp.Title = title
		return tp, tx.UpdateTemplate(tp)
	})
}

// Plan returns the account's plan with its active users (those available)
// and its teams with their member counts.
func (s *Service) Plan(ctx context.Context, accountID ob.ID) (ob.PlanView, error) {
	var out ob.PlanView
	err := s.store.Read(ctx, func(tx store.Tx) error {
		acct, err := tx.AccountByID(accountID)
		if err != nil {
			return err
		}
		// Every user of the account is a confirmed one (openbell has no
		// invitations), and being away does not make a user inactive.
		active, err := tx.CountUsers(accountID)
		if err != nil {
			return err
		}
		teams, err := tx.Teams(accountID)
		if err != nil {
			return err
		}
		out = acct.PlanView(active, teams)
		return nil
	})
	return out, err
}

// Me returns the GET /auth/me answer of a principal: the user its token acts
// as and the token's public name.
func (s *Service) Me(ctx context.Context, p *ob.Principal) (ob.AuthView, error) {
	var u *ob.User
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		u, err = tx.ActingUser(p.AccountID)
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			u, err = nil, nil
		}
		return err
	})
	if err != nil {
		return ob.AuthView{}, err
	}
	return ob.NewAuthView(u, p.TokenName), nil
}

// readByID parses a client-given id (a malformed one is not found, like an
// unknown one) and fetches the object in a read transaction.
func readByID[T any](ctx context.Context, s *Service, object, rawID string, get func(store.Tx, ob.ID) (*T, error)) (*T, error) {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return nil, ob.NotFound(object)
	}
	var out *T
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		out, err = get(tx, id)
		return err
	})
	return out, err
}

// writeByID is readByID in a write transaction: fn fetches, changes and
// stores the object.
func writeByID[T any](ctx context.Context, s *Service, object, rawID string, fn func(store.Tx, ob.ID) (*T, error)) (*T, error) {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return nil, ob.NotFound(object)
	}
	var out *T
	err := s.store.Write(ctx, func(tx store.Tx) (err error) {
		out, err = fn(tx, id)
		return err
	})
	return out, err
}

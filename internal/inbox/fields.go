package inbox

import (
	"maps"
	"slices"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// apply validates f against the account's workspace and applies it to c.
// Rule violations are added to v; only database failures are returned.
func (s *Service) apply(tx store.Tx, c *ob.Contact, f ob.ContactFields, v *ob.Validation, now time.Time) error {
	if f.Tags.Set {
		tags, err := tx.Tags(c.AccountID)
		if err != nil {
			return err
		}
		spelling := make(map[string]string, len(tags))
		for _, t := range tags {
			spelling[strings.ToLower(t.Name)] = t.Name
		}
		var out []string
		seen := map[string]bool{}
		for _, name := range f.Tags.V {
			if !v.MaxLength("tags", name, ob.MaxTag) {
				continue
			}
			key := strings.ToLower(name)
			sp, ok := spelling[key]
			if !ok {
				v.Add("tags", "unknown tag: "+name)
				continue
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, sp)
			}
		}
		c.Tags = out
	}
	if cf, ok := f.CustomFields.Value(); ok && len(cf) > 0 {
		defs, err := tx.CustomFields(c.AccountID)
		if err != nil {
			return err
		}
		merged := maps.Clone(c.CustomFields)
		if merged == nil {
			merged = map[string]string{}
		}
		for _, name := range slices.Sorted(maps.Keys(cf)) {
			def, ok := findField(defs, name)
			if !ok {
				v.Add("custom_fields", "unknown custom field: "+name)
				continue
			}
			stored, msg := ob.CustomFieldValue(def, cf[name])
			switch {
			case msg != "":
				v.Add("custom_fields", def.Name+" "+msg)
			case stored == "":
				delete(merged, def.Name)
			default:
				merged[def.Name] = stored
			}
		}
		c.CustomFields = merged
	}
	if f.AssignedUser.Set {
		if email, ok := f.AssignedUser.Value(); ok && email != "" {
			u, err := tx.UserByEmail(c.AccountID, email)
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				v.Add("assigned_user", "unknown user: "+email)
			} else if err != nil {
				return err
			} else {
				c.AssignedUserID, c.AssignedUserEmail = u.ID, u.Email
			}
		} else {
			c.AssignedUserID, c.AssignedUserEmail = "", ""
		}
	}
	if f.TeamUUID.Set {
		if raw, ok := f.TeamUUID.Value(); ok && raw != "" {
			team, err := lookup(raw, func(id ob.ID) (*ob.Team, error) { return tx.TeamByID(c.AccountID, id) })
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				v.Add("team_uuid", "unknown team: "+raw)
			} else if err != nil {
				return err
			} else {
				c.TeamID, c.Team = team.ID, team
			}
		} else {
			c.TeamID, c.Team = "", nil
		}
	}
	if raw, ok := f.BotStatus.Value(); ok {
		status, valid := ob.BotRequest(raw)
		if !valid {
			v.Add("bot_status", "must be "+ob.BotRequestWords)
		} else if _, err := tx.EnabledBot(c.AccountID); ob.ErrorCode(err) == ob.ENOTFOUND {
			v.Add("bot_status", "the account has no enabled bot")
		} else if err != nil {
			return err
		} else {
			c.SetBotSession(status, now)
		}
	}
	if f.Note.Set {
		if note, _ := f.Note.Value(); v.MaxLength("note", note, ob.MaxContactNote) {
			c.Note = note
		}
	}
	return nil
}

// findField finds a custom field by name: exactly, else ignoring case.
func findField(defs []ob.CustomField, name string) (ob.CustomField, bool) {
	for _, d := range defs {
		if d.Name == name {
			return d, true
		}
	}
	for _, d := range defs {
		if strings.EqualFold(d.Name, name) {
			return d, true
		}
	}
	return ob.CustomField{}, false
}

// lookup parses a client-given id and fetches the object; a malformed id is
// not found, like an unknown one.
func lookup[T any](raw string, get func(ob.ID) (*T, error)) (*T, error) {
	id, ok := ob.ParseID(raw)
	if !ok {
		return nil, ob.NotFound("object")
	}
	return get(id)
}

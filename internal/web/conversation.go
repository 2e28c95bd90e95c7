package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/inbox"
)

// timelineSize is the number of messages a conversation page shows; older
// ones are a link away.
const timelineSize = 50

// conversationPage is a conversation: its timeline and its actions.
type conversationPage struct {
	*inbox.Conversation
	Me ob.ID
	// Skip is how many of the newest messages are left out (older pages).
	Skip int
	// Problem is what was wrong with the action just tried, and Form what
	// was typed, shown again.
	Problem string
	Form    url.Values
}

func (p conversationPage) title() string { return p.Contact.Name }

// Author returns the name of the user who wrote m: its author, or for the
// API's messages the user its token acts as (the first admin).
func (p conversationPage) Author(m ob.Message) string {
	if m.AuthorID != "" {
		if u := p.Workspace.User(m.AuthorID); u != nil {
			return u.Name
		}
		return "a former user"
	}
	for _, u := range p.Users {
		if u.Admin {
			return u.Name
		}
	}
	if len(p.Users) > 0 {
		return p.Users[0].Name
	}
	return "API"
}

// Typed is what was typed in the field name of the form that failed, ""
// for the other forms.
func (p conversationPage) Typed(form, name string) string {
	if p.Form.Get("form") != form {
		return ""
	}
	return p.Form.Get(name)
}

// FieldValue is the stored value of the contact's custom field name.
func (p conversationPage) FieldValue(name string) string { return p.Contact.CustomFields[name] }

// MagicNumber explains the sandbox's magic number the contact's number
// ends in, "" when none (API.md section 5).
func (p conversationPage) MagicNumber() string {
	return magicNumber(p.Contact.Identifier)
}

// contactPage is the conversation at the contact's href.
func (web *Web) contactPage(v *visit) error {
	return web.showConversation(v, v.r.PathValue("uuid"), http.StatusOK, "", nil)
}

// chatPage is the conversation at its conversationHref.
func (web *Web) chatPage(v *visit) error {
	id, err := web.svc.ConversationContact(v.r.Context(), v.accountID(), v.r.PathValue("conversation"))
	if err != nil {
		return err
	}
	return web.showConversation(v, id, http.StatusOK, "", nil)
}

func (web *Web) showConversation(v *visit, contactID string, status int, problem string, form url.Values) error {
	skip, _ := strconv.Atoi(v.r.URL.Query().Get("skip"))
	skip = max(0, min(skip, 1<<30))
	after, err := web.svc.LastEventID(v.r.Context(), v.accountID())
	if err != nil {
		return err
	}
	c, err := web.svc.Conversation(v.r.Context(), v.accountID(), contactID, skip, timelineSize)
	if err != nil {
		return err
	}
	web.renderLive(v, status, "conversation", c.Contact.ID, after,
		conversationPage{Conversation: c, Me: v.userID(), Skip: skip, Problem: problem, Form: form})
	return nil
}

// contactAction runs an operation on the contact of the path as the
// signed-in user, then shows the conversation again: after a redirect when
// it worked (so that a reload does not repeat it), with what was wrong and
// what was typed when the operation refused it.
func (web *Web) contactAction(v *visit, op func(ctx context.Context, accountID ob.ID, contactID string) error) error {
	id := v.r.PathValue("uuid")
	ctx := inbox.AsUser(v.r.Context(), v.userID())
	err := op(ctx, v.accountID(), id)
	var e *ob.Error
	if code := ob.ErrorCode(err); (code == ob.EINVALID || code == ob.EBADREQUEST) && errors.As(err, &e) {
		return web.showConversation(v, id, statusOf(code), problemText(e), v.r.PostForm)
	}
	if err != nil {
		return err
	}
	http.Redirect(v.w, v.r, "/contacts/"+url.PathEscape(id)+"#composer", http.StatusSeeOther)
	return nil
}

// problemText is an error's message with its fields' messages.
func problemText(e *ob.Error) string {
	s := e.Message
	for field, msgs := range e.Fields {
		for _, m := range msgs {
			s += "; " + field + " " + m
		}
	}
	return s
}

// some is a value given in a form.
func some[T any](v T) ob.Opt[T] { return ob.Opt[T]{Set: true, V: v} }

// reply sends a free-form text message to the contact.
func (web *Web) reply(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		c, err := web.svc.Contact(ctx, accountID, id)
		if err != nil {
			return err
		}
		_, err = web.svc.SendMessage(ctx, accountID, ob.SendMessage{
			To: some(c.Identifier), ChannelUUID: some(c.ChannelID), Type: some("text"),
			Content: some(ob.MessageContent{Text: some(v.r.PostFormValue("text"))}),
		}, inbox.Idempotency{})
		return err
	})
}

// sendTemplate sends an approved template with its placeholders' values.
func (web *Web) sendTemplate(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		c, err := web.svc.Contact(ctx, accountID, id)
		if err != nil {
			return err
		}
		values := ob.Strings(v.r.PostForm["value"])
		if values == nil {
			values = ob.Strings{}
		}
		in := ob.SendMessage{
			To: some(c.Identifier), ChannelUUID: some(c.ChannelID), TemplateUUID: some(v.r.PostFormValue("template_uuid")),
			TemplateValues: some(values), OptinContact: some(true),
		}
		if u := v.r.PostFormValue("url"); u != "" {
			in.Content = some(ob.MessageContent{URL: some(u)})
		}
		_, err = web.svc.SendMessage(ctx, accountID, in, inbox.Idempotency{})
		return err
	})
}

func (web *Web) note(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		return web.svc.AddNote(ctx, accountID, id, some(v.r.PostFormValue("note")))
	})
}

func (web *Web) closeConversation(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		var reason *string
		if r := v.r.PostFormValue("reason"); r != "" {
			reason = &r
		}
		_, err := web.svc.CloseConversation(ctx, accountID, id, reason)
		return err
	})
}

func (web *Web) openConversation(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		_, err := web.svc.OpenConversation(ctx, accountID, id)
		return err
	})
}

// assign sets the assigned user (by e-mail; "" unassigns; "me" is the
// signed-in user) and, when the form has one, the team.
func (web *Web) assign(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		var in ob.ContactChanges
		if user, ok := v.r.PostForm["user"]; ok && len(user) > 0 {
			email := user[0]
			if email == "me" {
				if v.user == nil {
					return ob.Invalid("assigned_user", "the account has no user to assign")
				}
				email = v.user.Email
			}
			if email == "" {
				in.UnassignUser = some(true)
			} else {
				in.AssignedUser = some(email)
			}
		}
		if team, ok := v.r.PostForm["team"]; ok && len(team) > 0 {
			in.TeamUUID = ob.Opt[string]{Set: true, Null: team[0] == "", V: team[0]}
		}
		_, err := web.svc.UpdateContact(ctx, accountID, id, in)
		return err
	})
}

// setTags replaces the contact's tags with the boxes checked.
func (web *Web) setTags(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		tags := ob.Strings(v.r.PostForm["tag"])
		if tags == nil {
			tags = ob.Strings{}
		}
		_, err := web.svc.UpdateContact(ctx, accountID, id, ob.ContactChanges{ContactFields: ob.ContactFields{Tags: some(tags)}})
		return err
	})
}

func (web *Web) setFunnel(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		f := v.r.PostFormValue("funnel_id")
		_, err := web.svc.UpdateFunnel(ctx, accountID, id, ob.Opt[string]{Set: true, Null: f == "", V: f})
		return err
	})
}

// setFields sets the custom fields the form carries (field.<name>); an
// empty value clears one, a checkbox field takes every value checked.
func (web *Web) setFields(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		ws, err := web.svc.Workspace(ctx, accountID)
		if err != nil {
			return err
		}
		fields := map[string]json.RawMessage{}
		for _, d := range ws.CustomFields {
			key := "field." + d.Name
			vals, ok := v.r.PostForm[key]
			if !ok && v.r.PostFormValue("present."+d.Name) == "" {
				continue
			}
			var raw []byte
			if d.Type == ob.FieldCheckbox {
				if len(vals) == 0 {
					raw = []byte(`""`)
				} else {
					raw, _ = json.Marshal(vals)
				}
			} else {
				raw, _ = json.Marshal(v.r.PostFormValue(key))
			}
			fields[d.Name] = raw
		}
		_, err = web.svc.UpdateContact(ctx, accountID, id, ob.ContactChanges{ContactFields: ob.ContactFields{CustomFields: some(fields)}})
		return err
	})
}

// setBot starts (bot_start) or ends (bot_end) the bot session.
func (web *Web) setBot(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		_, err := web.svc.SetBot(ctx, accountID, id, some(v.r.PostFormValue("status")))
		return err
	})
}

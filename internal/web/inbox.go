package web

import (
	"net/http"
	"net/url"
	"strconv"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/inbox"
)

// inboxPageSize is the number of conversations per inbox page.
const inboxPageSize = 25

// inboxPage is the conversation list.
type inboxPage struct {
	Rows []inbox.InboxRow
	// Query is the filter as asked (status, assigned, team, tag, channel,
	// q); Page the page number, Next whether there is a page after it.
	Query     url.Values
	Status    string
	Assigned  string
	Team      string
	Tag       string
	Channel   string
	Search    string
	Page      int
	Next      bool
	Workspace *inbox.Workspace
	Me        ob.ID
}

func (inboxPage) title() string { return "Inbox" }

// inbox lists the account's conversations, most recent activity first:
// open ones unless the filter says otherwise.
func (web *Web) inbox(v *visit) error {
	q := v.r.URL.Query()
	p := inboxPage{Query: url.Values{}, Status: q.Get("status"), Assigned: q.Get("assigned"), Team: q.Get("team"),
		Tag: q.Get("tag"), Channel: q.Get("channel"), Search: q.Get("q"), Page: 1, Me: v.userID()}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		p.Page = min(n, 1<<20)
	}
	f := ob.InboxFilter{Search: p.Search, Tag: p.Tag, Offset: (p.Page - 1) * inboxPageSize, Limit: inboxPageSize + 1}
	switch p.Status {
	case "open", "closed":
		f.Status = p.Status
	case "all":
	default:
		p.Status, f.Status = "open", "open"
	}
	switch p.Assigned {
	case "me":
		f.AssignedUserID = v.userID()
		if f.AssignedUserID == "" {
			f.Unassigned = true
		}
	case "none":
		f.Unassigned = true
	default:
		p.Assigned = ""
	}
	if p.Team != "" {
		id, ok := ob.ParseID(p.Team)
		if !ok {
			id = "-" // names no team: an empty list
		}
		f.TeamID = id
	}
	if p.Channel != "" {
		id, ok := ob.ParseID(p.Channel)
		if !ok {
			id = "-"
		}
		f.ChannelID = id
	}
	for k, val := range map[string]string{"status": p.Status, "assigned": p.Assigned, "team": p.Team, "tag": p.Tag, "channel": p.Channel, "q": p.Search} {
		if val != "" && !(k == "status" && val == "open") {
			p.Query.Set(k, val)
		}
	}
	// The events from here on reach the page live.
	after, err := web.svc.LastEventID(v.r.Context(), v.accountID())
	if err != nil {
		return err
	}
	ws, err := web.svc.Workspace(v.r.Context(), v.accountID())
	if err != nil {
		return err
	}
	p.Workspace = ws
	rows, err := web.svc.Inbox(v.r.Context(), v.accountID(), f)
	if err != nil {
		return err
	}
	if len(rows) > inboxPageSize {
		rows, p.Next = rows[:inboxPageSize], true
	}
	p.Rows = rows
	web.renderLive(v, http.StatusOK, "inbox", "inbox", after, p)
	return nil
}

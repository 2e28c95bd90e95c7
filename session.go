package openbell

import "time"

// Session is a browser signed in to the web inbox (docs/UI.md). The cookie
// holds a random secret; only its hash is stored.
type Session struct {
	// Hash is HashToken of the cookie's secret.
	Hash      string
	AccountID ID
	// UserID is the user the session acts as: the one who signed in with a
	// password, or the user an API token acts as.
	UserID ID
	// TokenID is the API token the session was opened with ("" for a
	// password): revoking the token ends the session.
	TokenID   ID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// InboxFilter selects the conversations of the web inbox's list. Zero
// values filter nothing.
type InboxFilter struct {
	// Status is "open", "closed" or "" for both.
	Status string
	// AssignedUserID keeps conversations assigned to that user; Unassigned
	// keeps those assigned to nobody.
	AssignedUserID ID
	Unassigned     bool
	TeamID         ID
	ChannelID      ID
	// Tag is a tag name, matched case-insensitively.
	Tag string
	// Search matches the contact's name (case-insensitively, anywhere in
	// it) or the digits of its identifier.
	Search string
	Offset int
	Limit  int
}

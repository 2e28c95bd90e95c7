package openbell

// The JSON objects of section 2 of the contract. They are the one place where
// each object's wire shape is defined; the HTTP responses and the webhook
// payloads both use them.

// ChannelView is the Channel object.
type ChannelView struct {
	UUID        string  `json:"uuid"`
	Title       string  `json:"title"`
	Type        string  `json:"type"`
	Main        bool    `json:"main"`
	DiscardedAt bool    `json:"discardedAt"`
	Identifier  *string `json:"identifier"` // null for a channel without one
}

// View returns the Channel object of ch.
func (ch *Channel) View() ChannelView {
	return ChannelView{UUID: ch.ID, Title: ch.Title, Type: ch.Type, Main: ch.Main, DiscardedAt: ch.Discarded, Identifier: strOrNil(ch.Identifier)}
}

// TeamView is the Team object.
type TeamView struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	CreatedAt T1     `json:"createdAt"`
	Default   bool   `json:"default"`
	Members   int    `json:"members"`
}

// View returns the Team object of t.
func (t *Team) View() TeamView {
	return TeamView{UUID: t.ID, Name: t.Name, CreatedAt: T1(t.CreatedAt), Default: t.Default, Members: t.Members}
}

// TeamMemberView is the TeamMember object, also the agent_status_updated
// payload. UUID (the user's id) is an extension.
type TeamMemberView struct {
	UUID             string                `json:"uuid"`
	Email            string                `json:"email"`
	Name             string                `json:"name"`
	Available        bool                  `json:"available"`
	LastUpdatedAt    T1                    `json:"lastUpdatedAt"`
	UserCustomStatus *UserCustomStatusView `json:"userCustomStatus,omitempty"`
}

// UserCustomStatusView is the custom status a TeamMember holds.
type UserCustomStatusView struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Emoji     *string `json:"emoji"` // null for a status without one
	UpdatedAt T1      `json:"updatedAt"`
}

// MemberView returns the TeamMember object of u. status is the custom status
// u holds, nil when none.
func (u *User) MemberView(status *CustomStatus) TeamMemberView {
	v := TeamMemberView{UUID: u.ID, Email: u.Email, Name: u.Name, Available: u.Available, LastUpdatedAt: T1(u.LastUpdatedAt)}
	if status != nil {
		v.UserCustomStatus = &UserCustomStatusView{ID: Dashed(status.ID), Name: status.Name, Emoji: strOrNil(status.Emoji),
			UpdatedAt: T1(u.CustomStatusUpdatedAt)}
	}
	return v
}

// UserStatusView is the answer of PUT /users/:uuid/status.
type UserStatusView struct {
	UserStatus struct {
		CustomStatus *StatusHeldView `json:"custom_status"`
		Appearance   AppearanceView  `json:"appearance"`
	} `json:"user_status"`
}

// StatusHeldView is the custom status part of UserStatusView.
type StatusHeldView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	LastUpdatedAt T3     `json:"last_updated_at"`
}

// AppearanceView is the availability part of UserStatusView.
type AppearanceView struct {
	Available     bool `json:"available"`
	LastUpdatedAt T3   `json:"last_updated_at"`
}

// StatusView returns the user_status answer of u; status is the custom status
// u holds, nil when none.
func (u *User) StatusView(status *CustomStatus) UserStatusView {
	var v UserStatusView
	v.UserStatus.Appearance = AppearanceView{Available: u.Available, LastUpdatedAt: T3(u.LastUpdatedAt)}
	if status != nil {
		v.UserStatus.CustomStatus = &StatusHeldView{ID: Dashed(status.ID), Name: status.Name, LastUpdatedAt: T3(u.CustomStatusUpdatedAt)}
	}
	return v
}

// CustomStatusView is the CustomStatus object.
type CustomStatusView struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Emoji     *string `json:"emoji"` // null for a status without one
	CreatedAt T2      `json:"createdAt"`
	UpdatedAt T2      `json:"updatedAt"`
}

// View returns the CustomStatus object of cs.
func (cs *CustomStatus) View() CustomStatusView {
	return CustomStatusView{ID: Dashed(cs.ID), Name: cs.Name, Emoji: strOrNil(cs.Emoji), CreatedAt: T2(cs.CreatedAt), UpdatedAt: T2(cs.UpdatedAt)}
}

// FunnelView is the Funnel object.
type FunnelView struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Emoji     *string `json:"emoji"` // null for a funnel without one
	Position  int     `json:"position"`
	CreatedAt T2      `json:"createdAt"`
}

// View returns the Funnel object of f.
func (f *Funnel) View() FunnelView {
	return FunnelView{UUID: Dashed(f.ID), Name: f.Name, Emoji: strOrNil(f.Emoji), Position: f.Position, CreatedAt: T2(f.CreatedAt)}
}

// TemplateView is the Template object.
type TemplateView struct {
	UUID         string `json:"uuid"`
	Title        string `json:"title"`
	Text         string `json:"text"`
	TemplateType string `json:"templateType"`
	Category     string `json:"category"`
	Status       string `json:"status"`
	CreatedAt    T1     `json:"createdAt"`
}

// View returns the Template object of tp.
func (tp *Template) View() TemplateView {
	return TemplateView{UUID: tp.ID, Title: tp.Title, Text: tp.Text, TemplateType: tp.Type, Category: tp.Category,
		Status: tp.Status, CreatedAt: T1(tp.CreatedAt)}
}

// PlanView is the answer of GET /plan.
type PlanView struct {
	Plan             string     `json:"plan"`
	IncludedChannels int        `json:"includedChannels"`
	Licenses         int        `json:"licenses"`
	ActiveUsers      int        `json:"activeUsers"`
	Teams            []TeamView `json:"teams"`
}

// PlanView returns the GET /plan answer of a: activeUsers and teams are
// counted from the workspace by the caller.
func (a *Account) PlanView(activeUsers int, teams []Team) PlanView {
	v := PlanView{Plan: a.Plan, IncludedChannels: a.IncludedChannels, Licenses: a.Licenses, ActiveUsers: activeUsers,
		Teams: make([]TeamView, len(teams))}
	for i := range teams {
		v.Teams[i] = teams[i].View()
	}
	return v
}

// AuthView is the answer of GET /auth/me: the user a token acts as (nil when
// the account has no user) and the token's public name, never its secret.
type AuthView struct {
	Status    string  `json:"status"`
	UserEmail *string `json:"user_email"`
	UserName  *string `json:"user_name"`
	APIKey    string  `json:"api_key"`
}

// NewAuthView returns the GET /auth/me answer for the token named tokenName
// acting as u.
func NewAuthView(u *User, tokenName string) AuthView {
	v := AuthView{Status: "ok", APIKey: tokenName}
	if u != nil {
		v.UserEmail, v.UserName = &u.Email, &u.Name
	}
	return v
}

// FieldMeta is an entry of customFieldsMetadata.
type FieldMeta struct {
	Value   any      `json:"value"`
	Type    string   `json:"type"`
	Options []string `json:"options,omitempty"`
}

// ContactView is the Contact object.
type ContactView struct {
	UUID                 string                `json:"uuid"`
	Name                 string                `json:"name"`
	PhoneNumber          *string               `json:"phoneNumber"`
	AvatarURL            *string               `json:"avatarUrl"`
	BlockedAt            T1                    `json:"blockedAt"`
	CreatedAt            T1                    `json:"createdAt"`
	Source               string                `json:"source"`
	FunnelID             *string               `json:"funnelId"`
	ClosedAt             T1                    `json:"closedAt"`
	Href                 string                `json:"href"`
	ConversationHref     string                `json:"conversationHref"`
	Tags                 []string              `json:"tags"`
	AssignedUser         *string               `json:"assignedUser"`
	CustomFields         map[string]string     `json:"customFields"`
	CustomFieldsMetadata *map[string]FieldMeta `json:"customFieldsMetadata,omitempty"`
	Team                 *TeamView             `json:"team"`
	Channel              ChannelView           `json:"channel"`
	BSUID                string                `json:"bsuid,omitempty"`
	Note                 *string               `json:"note"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// View returns the Contact object of c. publicURL is the base of the href
// links; fields, when not nil, adds customFieldsMetadata for the defined
// fields the contact has a value for.
func (c *Contact) View(publicURL string, fields []CustomField) ContactView {
	v := ContactView{
		UUID:             c.ID,
		Name:             c.Name,
		AvatarURL:        strOrNil(c.AvatarURL),
		BlockedAt:        T1(c.BlockedAt),
		CreatedAt:        T1(c.CreatedAt),
		Source:           c.Channel.Type,
		ClosedAt:         T1(c.ClosedAt),
		Href:             publicURL + "/contacts/" + c.ID,
		ConversationHref: publicURL + "/chat/" + c.ConversationID,
		Tags:             c.Tags,
		AssignedUser:     strOrNil(c.AssignedUserEmail),
		CustomFields:     c.CustomFields,
		Channel:          c.Channel.View(),
		BSUID:            c.BSUID,
		Note:             strOrNil(c.Note),
	}
	if PhoneBased(c.Channel.Type) {
		p := FormatPhone(c.Identifier)
		v.PhoneNumber = &p
	}
	if c.FunnelID != "" {
		f := Dashed(c.FunnelID)
		v.FunnelID = &f
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.CustomFields == nil {
		v.CustomFields = map[string]string{}
	}
	if c.Team != nil {
		t := c.Team.View()
		v.Team = &t
	}
	if fields != nil {
		meta := map[string]FieldMeta{}
		v.CustomFieldsMetadata = &meta
		for _, f := range fields {
			stored, ok := c.CustomFields[f.Name]
			if !ok {
				continue
			}
			m := FieldMeta{Value: TypedFieldValue(f, stored), Type: f.Type}
			if f.Type == FieldDropdown || f.Type == FieldCheckbox {
				m.Options = f.Options
				if m.Options == nil {
					m.Options = []string{}
				}
			}
			meta[f.Name] = m
		}
	}
	return v
}

// ConversationView is the Conversation object.
type ConversationView struct {
	CreatedAt T1          `json:"createdAt"`
	ClosedAt  T1          `json:"closedAt"`
	Href      string      `json:"href"`
	Source    string      `json:"source"`
	Contact   ContactView `json:"contact"`
}

// MessageView is a Message as GET /contacts/:uuid/messages lists it.
type MessageView struct {
	UUID        string            `json:"uuid,omitempty"`
	Text        string            `json:"text"`
	Status      string            `json:"status"`
	Channel     string            `json:"channel"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	CreatedAt   T1                `json:"createdAt"`
	Attachments []string          `json:"attachments,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	MessageDetails
}

// View returns the listed form of m.
func (m *Message) View() MessageView {
	return MessageView{UUID: m.UUID, Text: m.Text, Status: m.Kind, Channel: m.Channel, From: m.From, To: m.To,
		CreatedAt: T1(m.CreatedAt), Attachments: m.Attachments, Metadata: m.Metadata, MessageDetails: m.Details}
}

// ConversationClosedPayload is the payload of conversation_closed.
type ConversationClosedPayload struct {
	Source        string      `json:"source"`
	Href          string      `json:"href"`
	CreatedAt     T1          `json:"createdAt"`
	ClosedAt      T1          `json:"closedAt"`
	ClosingReason *string     `json:"closingReason"`
	Contact       ContactView `json:"contact"`
}

// ConversationOpenedPayload is the payload of conversation_opened.
type ConversationOpenedPayload struct {
	Source    string      `json:"source"`
	Href      string      `json:"href"`
	CreatedAt T1          `json:"createdAt"`
	Contact   ContactView `json:"contact"`
}

// ContactDeletedPayload is the payload of contact_deleted.
type ContactDeletedPayload struct {
	UUID    string `json:"uuid"`
	Deleted T3     `json:"deleted"`
}

// BotView is the Bot object: a contact's session with the account's bot.
type BotView struct {
	UUID                  string `json:"uuid"`
	Name                  string `json:"name"`
	Status                string `json:"status"`
	ConversationStartedAt T1     `json:"conversationStartedAt"`
	Version               int    `json:"version"`
	LatestBotVersion      bool   `json:"latestBotVersion"`
}

// BotSessionStatus is the status of c's bot session: a contact that never
// had one shows as ended.
func (c *Contact) BotSessionStatus() string {
	if c.BotStatus == "" {
		return BotEnded
	}
	return c.BotStatus
}

// BotSession returns the Bot object of c's session with b. A contact that
// never had a session shows as ended.
func (c *Contact) BotSession(b *Bot) BotView {
	v := BotView{UUID: b.ID, Name: b.Name, Status: c.BotSessionStatus(), Version: b.Version, LatestBotVersion: true}
	if c.BotStatus == BotStarted || c.BotStatus == BotInProgress {
		v.ConversationStartedAt = T1(c.BotStartedAt)
	}
	return v
}

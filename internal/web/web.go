// Package web is the web inbox (docs/UI.md): server-rendered pages at the
// links the API hands out (/contacts/<uuid>, /chat/<conversation uuid>),
// with html/template, our own CSS and a small script, all embedded in the
// binary. Every action is a plain form that calls the same inbox operation
// as the API, done as the signed-in user.
package web

import (
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/inbox"
)

//go:embed templates static
var files embed.FS

// Config holds what the web inbox needs of the server's settings.
type Config struct {
	// PublicURL is the base of links; an https one makes the session
	// cookie Secure.
	PublicURL string
	// SignInLimit is how many failed sign-ins a client address may make
	// per minute; 0 turns the limit off.
	SignInLimit int
	// Version is shown in the page footer.
	Version string
}

// Web serves the pages.
type Web struct {
	cfg     Config
	svc     *inbox.Service
	auth    *inbox.Authenticator
	clock   ob.Clock
	log     *slog.Logger
	pages   *pages
	signins *attempts
	csrf    *http.CrossOriginProtection
	// done is closed at shutdown, ending the event streams.
	done      chan struct{}
	closeOnce sync.Once
}

// New returns the web inbox on svc; auth checks the API tokens that sign in.
func New(cfg Config, svc *inbox.Service, auth *inbox.Authenticator, clock ob.Clock, log *slog.Logger) *Web {
	return &Web{cfg: cfg, svc: svc, auth: auth, clock: clock, log: log, pages: mustParsePages(),
		signins: newAttempts(cfg.SignInLimit, time.Minute, clock), csrf: http.NewCrossOriginProtection(),
		done: make(chan struct{})}
}

// Routes registers the pages on mux, beside the API (docs/UI.md lists
// them). None is under /v1 or /sandbox/v1.
func (web *Web) Routes(mux *http.ServeMux) {
	mux.Handle("GET /assets/{file}", web.asset())
	mux.Handle("GET /signin", web.page(web.signInPage, false))
	mux.Handle("POST /signin", web.action(web.signIn, false))
	mux.Handle("POST /signout", web.action(web.signOut, true))

	mux.Handle("GET /events", web.page(web.events, true))
	mux.Handle("GET /{$}", web.page(web.inbox, true))
	mux.Handle("GET /contacts/{uuid}", web.page(web.contactPage, true))
	mux.Handle("GET /chat/{conversation}", web.page(web.chatPage, true))
	mux.Handle("POST /contacts/{uuid}/reply", web.action(web.reply, true))
	mux.Handle("POST /contacts/{uuid}/template", web.action(web.sendTemplate, true))
	mux.Handle("POST /contacts/{uuid}/note", web.action(web.note, true))
	mux.Handle("POST /contacts/{uuid}/close", web.action(web.closeConversation, true))
	mux.Handle("POST /contacts/{uuid}/open", web.action(web.openConversation, true))
	mux.Handle("POST /contacts/{uuid}/assign", web.action(web.assign, true))
	mux.Handle("POST /contacts/{uuid}/tags", web.action(web.setTags, true))
	mux.Handle("POST /contacts/{uuid}/funnel", web.action(web.setFunnel, true))
	mux.Handle("POST /contacts/{uuid}/fields", web.action(web.setFields, true))
	mux.Handle("POST /contacts/{uuid}/bot", web.action(web.setBot, true))
	mux.Handle("POST /contacts/{uuid}/sandbox/inbound", web.action(web.customerWrites, true))
	mux.Handle("POST /contacts/{uuid}/sandbox/status", web.action(web.forceStatus, true))
}

// secureCookies reports whether the public URL is https.
func (web *Web) secureCookies() bool {
	return strings.HasPrefix(strings.ToLower(web.cfg.PublicURL), "https://")
}

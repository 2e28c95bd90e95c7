package web

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
)

// signInForm is the sign-in page.
type signInForm struct {
	Next    string
	Email   string
	Problem string
}

func (signInForm) title() string { return "Sign in" }

func (web *Web) signInPage(v *visit) error {
	next := localPath(v.r.URL.Query().Get("next"))
	if v.session != nil {
		http.Redirect(v.w, v.r, next, http.StatusSeeOther)
		return nil
	}
	web.render(v, http.StatusOK, "signin", signInForm{Next: next})
	return nil
}

// signIn opens a session with an API token (field token) or an e-mail and
// password. Failed attempts are limited per client address.
func (web *Web) signIn(v *visit) error {
	form := signInForm{Next: localPath(v.r.PostFormValue("next")), Email: strings.TrimSpace(v.r.PostFormValue("email"))}
	addr := clientAddress(v.r)
	if wait := web.signins.blocked(addr); wait > 0 {
		v.w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		form.Problem = "Too many failed sign-ins from your address: wait a minute and try again."
		web.render(v, http.StatusTooManyRequests, "signin", form)
		return nil
	}
	var secret string
	var err error
	if token := strings.TrimSpace(v.r.PostFormValue("token")); token != "" {
		var p *ob.Principal
		if p, err = web.auth.Authenticate(v.r.Context(), token); err == nil {
			secret, err = web.svc.SignInWithToken(v.r.Context(), p)
		} else if ob.ErrorCode(err) == ob.EUNAUTHORIZED {
			form.Problem = "That token is not valid."
		}
	} else {
		secret, err = web.svc.SignInWithPassword(v.r.Context(), form.Email, v.r.PostFormValue("password"))
		if ob.ErrorCode(err) == ob.EUNAUTHORIZED {
			form.Problem = "Wrong e-mail or password."
		}
	}
	if form.Problem != "" {
		web.signins.fail(addr)
		web.render(v, http.StatusUnauthorized, "signin", form)
		return nil
	}
	if err != nil {
		return err
	}
	if v.secret != "" {
		_ = web.svc.SignOut(v.r.Context(), v.secret) // the session this browser had
	}
	web.setCookie(v.w, secret)
	http.Redirect(v.w, v.r, form.Next, http.StatusSeeOther)
	return nil
}

// signOut ends the session.
func (web *Web) signOut(v *visit) error {
	if err := web.svc.SignOut(v.r.Context(), v.secret); err != nil {
		return err
	}
	web.clearCookie(v.w)
	http.Redirect(v.w, v.r, "/signin", http.StatusSeeOther)
	return nil
}

// clientAddress is the peer's IP (forwarding headers are not trusted).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// attempts counts failed sign-ins per client address over a sliding
// window: past limit failures within it, the address waits until the
// oldest leaves the window.
type attempts struct {
	limit  int
	window time.Duration
	clock  ob.Clock

	mu       sync.Mutex
	failures map[string][]time.Time
}

// maxTracked bounds the addresses remembered; past it, the oldest
// knowledge is dropped (a flood from many addresses cannot fill memory).
const maxTracked = 10_000

func newAttempts(limit int, window time.Duration, clock ob.Clock) *attempts {
	return &attempts{limit: limit, window: window, clock: clock, failures: map[string][]time.Time{}}
}

// blocked returns how long addr must wait, 0 when it may try.
func (a *attempts) blocked(addr string) time.Duration {
	if a.limit <= 0 {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	f := a.recent(addr, now)
	if len(f) < a.limit {
		return 0
	}
	return f[len(f)-a.limit].Add(a.window).Sub(now)
}

// fail records a failed sign-in of addr.
func (a *attempts) fail(addr string) {
	if a.limit <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.failures) >= maxTracked {
		clear(a.failures)
	}
	now := a.clock.Now()
	a.failures[addr] = append(a.recent(addr, now), now)
}

// recent drops addr's failures older than the window.
func (a *attempts) recent(addr string, now time.Time) []time.Time {
	f := a.failures[addr]
	i := 0
	for i < len(f) && !f[i].Add(a.window).After(now) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(a.failures, addr)
		return nil
	}
	a.failures[addr] = f
	return f
}

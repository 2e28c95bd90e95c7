package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	ob "github.com/openbell/openbell"
)

// cookieName is the session cookie.
const cookieName = "openbell_session"

// maxForm bounds a form's body, as the API bounds a JSON body.
const maxForm = 1 << 20

// visit is one request to the web inbox.
type visit struct {
	w http.ResponseWriter
	r *http.Request
	// secret is the session cookie's value; session and user are set once
	// it is checked (user is nil when the account has no user).
	secret  string
	session *ob.Session
	user    *ob.User
}

// accountID is the signed-in account.
func (v *visit) accountID() ob.ID { return v.session.AccountID }

// userID is the signed-in user, "" when the account has none.
func (v *visit) userID() ob.ID {
	if v.user == nil {
		return ""
	}
	return v.user.ID
}

type handlerFunc func(v *visit) error

// page wraps a GET handler; with signedIn, a request without a session is
// sent to the sign-in page.
func (web *Web) page(fn handlerFunc, signedIn bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.serve(w, r, fn, signedIn)
	})
}

// action wraps a form POST: cross-site posts are refused (403), the body is
// bounded, and with signedIn a request without a session is sent to sign
// in.
func (web *Web) action(fn handlerFunc, signedIn bool) http.Handler {
	return web.csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			web.failPage(&visit{w: w, r: r}, http.StatusBadRequest, "The form could not be read.")
			return
		}
		web.serve(w, r, fn, signedIn)
	}))
}

func (web *Web) serve(w http.ResponseWriter, r *http.Request, fn handlerFunc, signedIn bool) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' http: https: data:; media-src 'self' http: https:; "+
		"style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	v := &visit{w: w, r: r}
	if c, err := r.Cookie(cookieName); err == nil {
		v.secret = c.Value
	}
	if v.secret != "" {
		sess, user, err := web.svc.SessionOf(r.Context(), v.secret)
		switch {
		case err == nil:
			v.session, v.user = sess, user
		case ob.ErrorCode(err) == ob.EUNAUTHORIZED:
			web.clearCookie(w)
		default:
			web.fail(v, err)
			return
		}
	}
	if signedIn && v.session == nil {
		next := r.URL.Path
		if r.Method == http.MethodGet && r.URL.RawQuery != "" {
			next += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	if err := fn(v); err != nil {
		web.fail(v, err)
	}
}

// fail answers an error with a page: not found is a 404 page (another
// account's uuid included), internal errors are logged and say nothing.
func (web *Web) fail(v *visit, err error) {
	var e *ob.Error
	switch code := ob.ErrorCode(err); {
	case code == ob.ENOTFOUND:
		web.failPage(v, http.StatusNotFound, "There is no such page in this account.")
	case code == ob.EUNAUTHORIZED:
		http.Redirect(v.w, v.r, "/signin", http.StatusSeeOther)
	case errors.As(err, &e) && code != ob.EINTERNAL:
		web.failPage(v, statusOf(code), e.Message)
	default:
		web.log.Error("internal error", slog.String("method", v.r.Method), slog.String("path", v.r.URL.Path),
			slog.String("request_id", v.w.Header().Get("X-Request-Id")), slog.Any("err", err))
		web.failPage(v, http.StatusInternalServerError, "Something went wrong on the server; it has been logged.")
	}
}

func statusOf(code string) int {
	switch code {
	case ob.EINVALID:
		return http.StatusUnprocessableEntity
	case ob.EBADREQUEST:
		return http.StatusBadRequest
	case ob.ECONFLICT:
		return http.StatusConflict
	case ob.ERATELIMITED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

func (web *Web) failPage(v *visit, status int, message string) {
	web.render(v, status, "error", errorPage{Status: status, Title: http.StatusText(status), Message: message})
}

type errorPage struct {
	Status         int
	Title, Message string
}

// setCookie gives the browser its session.
func (web *Web) setCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: web.secureCookies(), MaxAge: int(sessionMaxAge.Seconds())})
}

func (web *Web) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: web.secureCookies(), MaxAge: -1})
}

// localPath returns next when it is a path of this site, else "/": the
// sign-in page never sends a browser to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

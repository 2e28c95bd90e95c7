package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/inbox"
)

// sessionMaxAge is the cookie's lifetime: the session's.
const sessionMaxAge = inbox.SessionLifetime

// pages holds one template set per page, each with the layout.
type pages struct {
	sets map[string]*template.Template
	// assets maps an asset's name to its URL, which carries a hash of its
	// content so that browsers may keep it for good.
	assets map[string]string
}

func mustParsePages() *pages {
	p := &pages{sets: map[string]*template.Template{}, assets: map[string]string{}}
	names, err := fs.Glob(files, "static/*")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		p.assets[path.Base(n)] = "/assets/" + path.Base(n) + "?v=" + hex.EncodeToString(sum[:6])
	}
	funcs := template.FuncMap{
		"asset":        func(name string) string { return p.assets[name] },
		"when":         when,
		"iso":          func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"address":      address,
		"linkable":     linkable,
		"isImage":      isImage,
		"fileName":     fileName,
		"statusLabel":  statusLabel,
		"statusIcon":   statusIcon,
		"segments":     segments,
		"listChoice":   listChoice,
		"placeholders": func(text string) []int { return seq(inbox.PlaceholderCount(text)) },
		"has":          slices.Contains[[]string],
		"checked":      checkedValues,
		"initials":     initials,
		"pageURL":      pageURL,
		"add":          func(a, b int) int { return a + b },
		"summary":      summary,
	}
	pageFiles, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range pageFiles {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		p.sets[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", f))
	}
	return p
}

// layout is what every page's template gets: the page's own data in Page.
type layout struct {
	Title   string
	User    *ob.User
	Account string
	Version string
	// Live is what the page's script listens for: "inbox", a contact's
	// id, or "" for nothing; After is the id of the newest event the page
	// shows, after which it listens.
	Live  string
	After int64
	Page  any
}

// render writes the page name with data.
func (web *Web) render(v *visit, status int, name string, data any) {
	web.renderLive(v, status, name, "", 0, data)
}

// renderLive writes a page that updates itself on the events after the one
// of id after that concern live.
func (web *Web) renderLive(v *visit, status int, name, live string, after int64, data any) {
	l := layout{User: v.user, Version: web.cfg.Version, Live: live, After: after, Page: data}
	if v.session != nil {
		l.Account = v.session.AccountID
	}
	if t, ok := data.(interface{ title() string }); ok {
		l.Title = t.title()
	}
	var buf bytes.Buffer
	if err := web.pages.sets[name].ExecuteTemplate(&buf, "layout", l); err != nil {
		web.log.Error("render", "page", name, "err", err)
		http.Error(v.w, "internal error", http.StatusInternalServerError)
		return
	}
	v.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	v.w.WriteHeader(status)
	_, _ = v.w.Write(buf.Bytes())
}

// asset serves the embedded CSS and script.
func (web *Web) asset() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fsrv := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if _, ok := web.pages.assets[name]; !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		fsrv.ServeHTTP(w, r2)
	})
}

// when is a short UTC time: "14 Mar 09:05".
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04")
}

// address is how a contact is reached: its phone number for phone-based
// channels, its platform id otherwise.
func address(c ob.Contact) string {
	if ob.PhoneBased(c.Channel.Type) {
		return ob.FormatPhone(c.Identifier)
	}
	return c.Identifier
}

// linkable reports whether a URL a customer or client gave may be a link
// or an image source: http and https only (never javascript: or data:).
func linkable(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

var imageExt = regexp.MustCompile(`(?i)\.(png|jpe?g|gif|webp|avif|bmp)$`)

// isImage reports whether an attachment URL names an image.
func isImage(s string) bool {
	u, err := url.Parse(s)
	return err == nil && imageExt.MatchString(u.Path)
}

// fileName is the last part of an attachment URL's path.
func fileName(s string) string {
	u, err := url.Parse(s)
	if err != nil || path.Base(u.Path) == "/" || path.Base(u.Path) == "." {
		return s
	}
	return path.Base(u.Path)
}

func statusLabel(status string) string {
	switch status {
	case ob.StatusEnqueued:
		return "queued"
	case "":
		return ""
	}
	return status
}

// statusIcon is the tick of a delivery status.
func statusIcon(status string) string {
	switch status {
	case ob.StatusEnqueued:
		return "◷"
	case "sent":
		return "✓"
	case "delivered", "read":
		return "✓✓"
	case "failed", "mismatch":
		return "✗"
	case "deleted":
		return "⊘"
	}
	return ""
}

// segment is a piece of a note: plain text, or an @mention.
type segment struct {
	Text    string
	Mention bool
}

var mention = regexp.MustCompile(`@[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}|@[A-Za-z0-9._%+\-]+`)

// segments splits a note at its @mentions, so that they can be marked
// (the template escapes every piece).
func segments(text string) []segment {
	var out []segment
	last := 0
	for _, m := range mention.FindAllStringIndex(text, -1) {
		if m[0] > 0 && !strings.ContainsAny(text[m[0]-1:m[0]], " \n\t(") {
			continue
		}
		if m[0] > last {
			out = append(out, segment{Text: text[last:m[0]]})
		}
		out = append(out, segment{Text: text[m[0]:m[1]], Mention: true})
		last = m[1]
	}
	if last < len(text) {
		out = append(out, segment{Text: text[last:]})
	}
	return out
}

// listChoice is what a list message shows: its body, else its first item.
func listChoice(l *ob.MessageInteractiveList) string {
	var il ob.InteractiveList
	if json.Unmarshal([]byte(l.Metadata), &il) != nil {
		return ""
	}
	if il.Body != "" {
		return il.Body
	}
	for _, s := range il.Sections {
		for _, it := range s.Items {
			return it.Header
		}
	}
	return il.Header
}

// checkedValues decodes a checkbox field's stored value (a JSON array).
func checkedValues(stored string) []string {
	var out []string
	_ = json.Unmarshal([]byte(stored), &out)
	return out
}

// initials of a name, for the avatar.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if len(out) < 2 && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127) {
				out = append(out, []rune(strings.ToUpper(string(r)))...)
			}
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// pageURL is the inbox URL of the query q at page n.
func pageURL(q url.Values, n int) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	if n <= 1 {
		c.Del("page")
	} else {
		c.Set("page", strconv.Itoa(n))
	}
	if len(c) == 0 {
		return "/"
	}
	return "/?" + c.Encode()
}

// summary is one line of what a message holds, for the inbox list.
func summary(m *ob.Message) string {
	d := m.Details
	switch {
	case m.Text != "":
		return m.Text
	case d.Location != nil:
		return "📍 Location"
	case d.ContactCard != nil:
		return "👤 Contact card"
	case d.ReplyButton != nil:
		return d.ReplyButton.Metadata.Content.Text
	case d.InteractiveList != nil:
		return listChoice(d.InteractiveList)
	case len(m.Attachments) > 0 && isImage(m.Attachments[0]):
		return "📷 Image"
	case len(m.Attachments) > 0:
		return "📎 " + fileName(m.Attachments[0])
	case m.Status == ob.StatusDeleted || m.Kind != ob.MessageNote:
		return "(deleted)"
	}
	return ""
}

package web_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store/storetest"
)

// The browser tests drive headless Chromium (Debian's chromium package;
// .ci/run installs it) through chromedp. They skip, saying why, where
// there is none. OPENBELL_CHROMIUM names another binary.
//
// OPENBELL_SCREENSHOTS=1 makes them save the screenshots of docs/UI.md
// into docs/screenshots:
//
//	OPENBELL_SCREENSHOTS=1 go test ./internal/web -run TestBrowser

// browserWait bounds every wait for the page, so that a test that cannot
// pass fails instead of hanging; it asserts nothing about speed.
const browserWait = 60 * time.Second

// chromium returns the path of the browser, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OPENBELL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser tests skipped: no Chromium found (apt-get install chromium, or set OPENBELL_CHROMIUM); .ci/run installs it")
	return ""
}

// tab is a browser tab on a server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	// dialogs counts the JavaScript dialogs (alert, confirm) the page
	// opened: a hostile text that ran would open one.
	dialogs *int
}

// newBrowserTab starts Chromium (closed when the test ends) and opens a tab.
func newBrowserTab(t *testing.T, s *apitest.Server) *tab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return openTab(t, ctx, s.URL)
}

// newTab opens another tab of the same browser (same cookies).
func (b *tab) newTab() *tab {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	return openTab(b.t, ctx, b.base)
}

func openTab(t *testing.T, ctx context.Context, base string) *tab {
	n := 0
	tb := &tab{t: t, ctx: ctx, base: base, dialogs: &n}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			n++
			_, _ = chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return tb
}

// run runs actions, failing the test when they fail or time out.
func (b *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) open(path string) { b.t.Helper(); b.run("open "+path, chromedp.Navigate(b.base+path)) }

// eval returns the value of a JavaScript expression.
func (b *tab) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("eval %s: %v", expr, err)
	}
	return out
}

// waitFor waits until the JavaScript condition holds.
func (b *tab) waitFor(what, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserWait)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond)))
		// A poll that a navigation interrupts (a form was sent) starts
		// again on the new page.
		if err != nil && ctx.Err() == nil && (strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "Cannot find context")) {
			continue
		}
		if err != nil {
			b.t.Fatalf("%s: %v", what, err)
		}
		return
	}
}

// mark sets a flag on the page's window; marked reports whether it is
// still there, that is whether the page was not loaded again.
func (b *tab) mark() { b.t.Helper(); b.eval(`(window.openbellMark = "kept", "")`) }
func (b *tab) marked() bool {
	b.t.Helper()
	return b.eval(`String(window.openbellMark)`) == "kept"
}

// signIn signs in with a token through the sign-in page.
func (b *tab) signIn(token string) {
	b.t.Helper()
	b.open("/")
	b.run("sign in with the token",
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), token),
		chromedp.Submit(chromedp.CSS(`#token`)),
		chromedp.WaitVisible(chromedp.CSS(`#conversations`)),
	)
}

// screenshot saves the page as docs/screenshots/name.png when
// OPENBELL_SCREENSHOTS is set.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	if os.Getenv("OPENBELL_SCREENSHOTS") == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// browserServer starts a server on SQLite (the HTTP tests cover both
// engines) with delivery progression on, so that ticks advance.
func browserServer(t *testing.T, opts ...apitest.Option) *apitest.Server {
	t.Helper()
	return apitest.Start(t, storetest.Engines()[0], append([]apitest.Option{apitest.WithDeliveryInterval(300 * time.Millisecond)}, opts...)...)
}

// TestBrowserSignInAndOpenJohnDoe: sign in with a token, open John Doe
// from the inbox; then sign out and in again with a password.
func TestBrowserSignInAndOpenJohnDoe(t *testing.T) {
	t.Parallel()
	chromium(t)
	s := browserServer(t, withOther(t))
	b := newBrowserTab(t, s)
	b.signIn(s.Token)
	b.screenshot("inbox")
	b.run("open John Doe from the inbox",
		chromedp.Click(`//a[contains(@class,"row-link")][.//strong[text()="John Doe"]]`),
		chromedp.WaitVisible(chromedp.CSS(`#contact-name`)),
	)
	if h := b.eval(`document.querySelector("#contact-name").textContent`); h != "John Doe" {
		t.Errorf("the conversation opened is %q", h)
	}
	if path := b.eval(`location.pathname`); !strings.HasPrefix(path, "/chat/") {
		t.Errorf("the inbox links to %s, not the conversationHref", path)
	}
	b.run("sign out", chromedp.Click(`//button[text()="Sign out"]`), chromedp.WaitVisible(chromedp.CSS(`#password`)))
	b.run("sign in with a password",
		chromedp.SendKeys(chromedp.CSS(`#email`), "jane.doe@email.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "jane-secret-1"),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#conversations`)),
	)
	if who := b.eval(`document.querySelector(".who strong").textContent`); who != "Jane Doe" {
		t.Errorf("signed in as %q", who)
	}
}

// TestBrowserReplyTicksAdvanceLive: a reply's delivery ticks advance on
// the open page without a reload, up to read.
func TestBrowserReplyTicksAdvanceLive(t *testing.T) {
	t.Parallel()
	chromium(t)
	s := browserServer(t)
	b := newBrowserTab(t, s)
	b.signIn(s.Token)
	b.open("/contacts/" + johnDoe)
	b.run("reply",
		chromedp.WaitVisible(chromedp.CSS(`#reply-text`)),
		chromedp.SendKeys(chromedp.CSS(`#reply-text`), "Live ticks, please"),
		chromedp.Click(chromedp.CSS(`#send-button`)),
		chromedp.WaitVisible(`//p[@class="text"][text()="Live ticks, please"]`),
	)
	b.mark()
	b.waitFor("the reply's ticks reach read", `(function(){
		var m = Array.from(document.querySelectorAll("#timeline li.msg.out")).pop();
		return m && m.textContent.includes("Live ticks, please") && m.querySelector('.status[data-status="read"]') !== null;
	})()`)
	if !b.marked() {
		t.Error("the page was loaded again: the ticks did not advance live")
	}
	b.screenshot("conversation")
}

// TestBrowserCustomerWritesInAnotherTab: the customer writes in one tab
// (the sandbox panel) and the message arrives in the other.
func TestBrowserCustomerWritesInAnotherTab(t *testing.T) {
	t.Parallel()
	chromium(t)
	s := browserServer(t)
	a := newBrowserTab(t, s)
	a.signIn(s.Token)
	a.open("/contacts/" + johnDoe)
	a.run("wait for the conversation", chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
	a.mark()
	b := a.newTab()
	b.open("/contacts/" + johnDoe)
	b.run("write as the customer",
		chromedp.Click(chromedp.CSS(`#sandbox-customer summary`)),
		chromedp.SendKeys(chromedp.CSS(`#customer-text`), "Sent from the other tab"),
		chromedp.Click(chromedp.CSS(`#customer-send`)),
		chromedp.WaitVisible(`//p[@class="text"][text()="Sent from the other tab"]`),
	)
	a.waitFor("the message arrives in the first tab", `document.querySelector("#timeline").textContent.includes("Sent from the other tab")`)
	if !a.marked() {
		t.Error("the first tab was loaded again")
	}
}

// TestBrowserCloseConversation: the close button closes the conversation.
func TestBrowserCloseConversation(t *testing.T) {
	t.Parallel()
	chromium(t)
	s := browserServer(t)
	b := newBrowserTab(t, s)
	b.signIn(s.Token)
	b.open("/contacts/" + johnDoe)
	b.run("close", chromedp.Click(chromedp.CSS(`#close-button`)), chromedp.WaitVisible(chromedp.CSS(`#reopen-button`)))
	if st := b.eval(`document.querySelector("#conversation-state").textContent`); !strings.HasPrefix(st, "Closed") {
		t.Errorf("state %q", st)
	}
	r := s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t)["contact"].(map[string]any)
	if r["closedAt"] == nil {
		t.Error("the API does not see the conversation closed")
	}
}

// TestBrowserHostileNamesAreText: a contact named <script>alert(1)</script>
// and a message "><img src=x onerror=alert(1)> show as text, and run
// nothing.
func TestBrowserHostileNamesAreText(t *testing.T) {
	t.Parallel()
	chromium(t)
	s := browserServer(t)
	const name = `<script>alert(1)</script>`
	const text = `"><img src=x onerror=alert(1)>`
	r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+31 6 7777 1234", "source": "whatsapp", "name": name})
	if r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	id := r.JSON(t)["contact"].(map[string]any)["uuid"].(string)
	if r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+31677771234", "text": text}); r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	b := newBrowserTab(t, s)
	b.signIn(s.Token)
	if got := b.eval(`document.querySelector("#conversations .name").textContent`); got != name {
		t.Errorf("the inbox shows the name as %q", got)
	}
	b.open("/contacts/" + id)
	b.run("wait", chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
	if got := b.eval(`document.querySelector("#contact-name").textContent`); got != name {
		t.Errorf("the conversation shows the name as %q", got)
	}
	if got := b.eval(`document.querySelector("#timeline li.msg.in .text").textContent`); got != text {
		t.Errorf("the message shows as %q", got)
	}
	if n := b.eval(`String(document.querySelectorAll('img[src="x"], body script:not([src])').length)`); n != "0" {
		t.Errorf("%s hostile elements in the page", n)
	}
	if *b.dialogs != 0 {
		t.Errorf("the page opened %d dialogs", *b.dialogs)
	}
}

// TestBrowserReplyWithTheKeyboard: Tab reaches the reply box, the text is
// typed, Tab reaches Send and Enter sends it; the focus is always visible.
func TestBrowserReplyWithTheKeyboard(t *testing.T) {
	t.Parallel()
	chromium(t)
	s := browserServer(t)
	b := newBrowserTab(t, s)
	b.signIn(s.Token)
	b.open("/contacts/" + johnDoe)
	b.run("wait", chromedp.WaitVisible(chromedp.CSS(`#reply-text`)))
	tabTo := func(id string) {
		t.Helper()
		for range 200 {
			if b.eval(`document.activeElement ? document.activeElement.id : ""`) == id {
				if o := b.eval(`getComputedStyle(document.activeElement).outlineStyle`); o == "none" {
					t.Errorf("#%s has no visible focus", id)
				}
				return
			}
			b.run("press Tab", chromedp.KeyEvent("\t"))
		}
		t.Fatalf("Tab never reached #%s", id)
	}
	tabTo("reply-text")
	b.run("type", chromedp.KeyEvent("Typed with keys"))
	tabTo("send-button")
	b.run("press Enter", chromedp.KeyEvent("\r"))
	b.waitFor("the reply is sent", `document.querySelector("#timeline").textContent.includes("Typed with keys")`)
}

// TestBrowserOtherAccountIsNotFound: another account's conversation is a
// 404 page.
func TestBrowserOtherAccountIsNotFound(t *testing.T) {
	t.Parallel()
	chromium(t)
	s := browserServer(t, withOther(t))
	b := newBrowserTab(t, s)
	b.signIn(s.Token)
	b.open("/contacts/" + olgaCustomer)
	if h := b.eval(`document.querySelector("h1").textContent`); h != "404 Not Found" {
		t.Errorf("another account's conversation shows %q", h)
	}
	if strings.Contains(b.eval(`document.body.textContent`), "Olga") {
		t.Error("the 404 page names the contact")
	}
}

package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	ob "github.com/openbell/openbell"
)

// newClient returns the HTTP client of the senders: no proxy from the
// environment (it would hide the real target from the address check), no
// redirects (a 3xx is an answer like any other non-2xx), and keep-alive
// connections for as many parallel deliveries as the worker makes.
func newClient(cfg Config) *http.Client {
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	if cfg.DenyPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true,
		MaxIdleConns:          2 * cfg.Concurrency,
		MaxIdleConnsPerHost:   cfg.Concurrency,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// maxResponseHeaders bounds the headers kept of an answer.
const maxResponseHeaders = 64

// post makes one attempt: it sends body to the webhook and fills the
// attempt's answer, or its error when no answer arrived within the timeout.
func (w *Worker) post(ctx context.Context, d *ob.WebhookDelivery, secret string, a *ob.WebhookAttempt) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Webhook.URL, bytes.NewReader(d.Body))
	if err != nil {
		a.Error = "bad webhook URL: " + err.Error()
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	Sign(req.Header, secret, d.MessageID, a.CreatedAt, d.Body)
	start := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		a.Duration = time.Since(start)
		a.Error = w.errorText(ctx, err)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, ob.MaxWebhookResponseBody))
	// Read a little more so the connection can be reused, then let go.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.Duration = time.Since(start)
	a.Code = resp.StatusCode
	a.ResponseBody = storable(string(body))
	a.ResponseHeaders = map[string]string{}
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys[:min(len(keys), maxResponseHeaders)] {
		a.ResponseHeaders[k] = storable(strings.Join(resp.Header[k], ", "))
	}
}

// errorText describes a failed request without the URL (which the log
// already shows) and plainly for timeouts.
func (w *Worker) errorText(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("timeout: no answer within %s", w.cfg.Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return storable(err.Error())
}

// storable makes text fit for a TEXT column on both engines: valid UTF-8
// without NUL bytes.
func storable(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

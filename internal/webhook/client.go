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
	"time"

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
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		DisableCompression:     true,
		MaxIdleConns:           2 * cfg.Concurrency,
		MaxIdleConnsPerHost:    cfg.Concurrency,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}
	return &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// maxResponseHeaderBytes bounds the headers of an answer the client reads
// at all: a receiver that sends more fails the attempt ("server response
// headers exceeded ...") instead of making the worker hold them.
const maxResponseHeaderBytes = 64 << 10

// maxErrorText bounds the stored error of an attempt (some quote what the
// receiver sent).
const maxErrorText = 1024

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
	a.ResponseBody = ob.WebhookAnswerText(string(body), ob.MaxWebhookResponseBody)
	a.ResponseHeaders = ob.WebhookAnswerHeaders(resp.Header)
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
	return ob.WebhookAnswerText(err.Error(), maxErrorText)
}

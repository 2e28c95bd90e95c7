// Package client is the Go client of the Callbell REST API v1, as Callbell
// and openbell serve it. It uses the standard library only.
//
// A Client talks to one base URL with one token:
//
//	c := client.New(client.CallbellBaseURL, os.Getenv("CALLBELL_TOKEN"))
//	c := client.New("http://127.0.0.1:8080/v1", token) // openbell
//
// Every endpoint of the API is one method that takes a context, named in the
// API's words (SendMessage, CloseConversation, ListContacts, ...). Lists come
// twice: ListX answers one page, X iterates over every item of every page.
// Errors of the API are *Error values, to be tested with errors.Is against
// ErrNotFound, ErrValidation, ErrRateLimited, ErrUnauthorized and the other
// sentinels. Requests refused for the rate limit are retried after the
// server's Retry-After; requests that are safe to repeat are also retried
// after network errors and 5xx answers (sends are made safe with a generated
// Idempotency-Key). ParseWebhook verifies and decodes a webhook delivery.
//
// The methods of Sandbox (openbell only) play the customer and the network.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CallbellBaseURL is the base URL of Callbell's API. The base URL of an
// openbell server is its address with /v1, such as
// "http://127.0.0.1:8080/v1".
const CallbellBaseURL = "https://api.callbell.eu/v1"

// Version is the client's version, sent in its User-Agent.
const Version = "0.1.0"

// Client calls the API. It is safe for concurrent use.
type Client struct {
	base      string // ".../v1", no trailing slash
	root      string // base without its /v1: where /sandbox/v1 lives
	token     string
	http      *http.Client
	userAgent string
	retries   int
	minWait   time.Duration
	maxWait   time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with hc (for its
// timeouts, transport or proxy). The default is a client with a 30-second
// timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetries sets how many times a request is tried again (default 3; 0
// turns retries off) and the bounds of the wait between two tries: backoff
// starts at minWait (default 500 ms) and doubles, with jitter, up to maxWait
// (default 30 s). A Retry-After of the server is honoured, up to maxWait.
func WithRetries(n int, minWait, maxWait time.Duration) Option {
	return func(c *Client) { c.retries, c.minWait, c.maxWait = n, minWait, maxWait }
}

// New returns a client of the API at baseURL (which includes /v1, such as
// CallbellBaseURL) that authenticates with token.
func New(baseURL, token string, opts ...Option) *Client {
	base := strings.TrimRight(baseURL, "/")
	c := &Client{base: base, root: strings.TrimSuffix(base, "/v1"), token: token,
		http: &http.Client{Timeout: 30 * time.Second}, userAgent: "openbell-go-client/" + Version,
		retries: 3, minWait: 500 * time.Millisecond, maxWait: 30 * time.Second}
	for _, o := range opts {
		o(c)
	}
	return c
}

// call is one API request.
type call struct {
	method string
	path   string // below the base URL, with its query
	body   any    // JSON-encoded when not nil
	// safe marks a request that may be repeated after a network error or a
	// 5xx answer: it changes nothing more the second time.
	safe bool
	// idempotencyKey, when set, is sent as Idempotency-Key on every try.
	idempotencyKey string
	sandbox        bool // path is below /sandbox/v1
}

// do sends a call, retrying as the client is configured, and decodes a 2xx
// answer into out (when not nil).
func (c *Client) do(ctx context.Context, cl call, out any) error {
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("client: encode request: %w", err)
		}
	}
	u := c.base + cl.path
	if cl.sandbox {
		u = c.root + "/sandbox/v1" + cl.path
	}
	for try := 0; ; try++ {
		status, header, data, err := c.send(ctx, cl, u, body)
		var retryAfter time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || !cl.safe || try >= c.retries {
				return err
			}
		case status >= 200 && status < 300:
			if out == nil || status == http.StatusNoContent {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("client: %s %s: decode answer: %w", cl.method, cl.path, err)
			}
			return nil
		default:
			apiErr := newError(status, header, data)
			// A 429 is refused before anything happens, so every request
			// may be repeated; other errors only when the request is safe
			// and the server may do better next time.
			again := status == http.StatusTooManyRequests || (cl.safe && (status >= 500 || status == http.StatusRequestTimeout))
			if !again || try >= c.retries {
				return apiErr
			}
			retryAfter = apiErr.RetryAfter
		}
		if err := c.wait(ctx, try, retryAfter); err != nil {
			return err
		}
	}
}

// send makes one try.
func (c *Client) send(ctx context.Context, cl call, u string, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, rd)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", cl.idempotencyKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, data, nil
}

// wait sleeps before try+1: the server's Retry-After when it gave one, else
// exponential backoff with jitter; never more than maxWait.
func (c *Client) wait(ctx context.Context, try int, retryAfter time.Duration) error {
	d := retryAfter
	if d <= 0 {
		d = c.minWait << min(try, 20)
		d = d/2 + mrand.N(d/2+1)
	}
	d = min(d, c.maxWait)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newIdempotencyKey returns a random key for a send.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// pathID escapes an id or number for a path segment.
func pathID(s string) string { return url.PathEscape(s) }

// query builds a query string of the set values; "" when none.
type query url.Values

func (q query) set(key, value string) {
	if value != "" {
		url.Values(q).Set(key, value)
	}
}

func (q query) page(p int) {
	if p > 0 {
		url.Values(q).Set("page", strconv.Itoa(p))
	}
}

func (q query) String() string {
	if len(q) == 0 {
		return ""
	}
	return "?" + url.Values(q).Encode()
}

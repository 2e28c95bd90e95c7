// Package listen is the `openbell listen` command, in the spirit of `stripe
// listen`: it starts a local webhook receiver, points the account's webhook
// at it, prints each event as it arrives with the result of checking its
// signature, and can forward the events to another local URL. On exit it
// puts the account's previous webhook back.
package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/cli"
	"github.com/openbell/openbell/internal/webhook"
)

type config struct {
	apiURL     string
	apiKey     string
	events     []string
	forwardTo  string
	addr       string
	webhookURL string
	printJSON  bool
}

// Flags returns the flags of `openbell listen`, for shell completion.
func Flags() *flag.FlagSet {
	var c config
	var events string
	return flags(&c, &events, func(string) string { return "" })
}

func flags(c *config, events *string, getenv func(string) string) *flag.FlagSet {
	env := func(name, def string) string {
		if v := getenv("OPENBELL_" + name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("openbell listen", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: openbell listen [flags]\n\nReceives the account's webhook events locally and prints them.\n\nFlags:\n")
		cli.PrintFlags(fs.Output(), fs)
	}
	fs.StringVar(&c.apiURL, "api-url", env("API_URL", "http://127.0.0.1:8080"), "base URL of the openbell server (OPENBELL_API_URL)")
	key, _, _ := strings.Cut(env("API_KEY", ""), ",")
	fs.StringVar(&c.apiKey, "api-key", strings.TrimSpace(key), "API token of the account (OPENBELL_API_KEY; the first one when it lists several)")
	fs.StringVar(events, "events", "all", "comma-separated event names to subscribe to, or all")
	fs.StringVar(&c.forwardTo, "forward-to", "", "URL to forward each event to, with its body and signature headers")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "address the receiver listens on")
	fs.StringVar(&c.webhookURL, "webhook-url", "", "URL the server should post to (default: the receiver's address, http://<addr>/webhooks)")
	fs.BoolVar(&c.printJSON, "print-json", false, "print each event's body")
	return fs
}

// parse reads the flags; --help writes them to help and returns
// flag.ErrHelp.
func parse(args []string, getenv func(string) string, help io.Writer) (config, error) {
	var c config
	var events string
	fs := flags(&c, &events, getenv)
	rest, err := cli.Parse(fs, args, getenv, nil, help)
	if err != nil {
		return c, err
	}
	if len(rest) > 0 {
		return c, cli.Usagef(fs, "unexpected argument %q: openbell listen takes only flags", rest[0])
	}
	if c.apiKey == "" {
		return c, cli.Usagef(fs, "--api-key (or OPENBELL_API_KEY) is required: a token of the account")
	}
	c.apiURL = strings.TrimRight(c.apiURL, "/")
	if events == "all" {
		c.events = ob.EventNames
	} else {
		for _, e := range strings.Split(events, ",") {
			if e = strings.TrimSpace(e); e != "" {
				if !ob.IsEventName(e) {
					return c, cli.Usagef(fs, "--events: %q is not an event name; give names such as %s, or all", e, strings.Join(ob.EventNames[:2], ","))
				}
				c.events = append(c.events, e)
			}
		}
	}
	return c, nil
}

// Run runs the command until ctx ends.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parse(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	api := &apiClient{base: cfg.apiURL, token: cfg.apiKey, http: &http.Client{Timeout: 30 * time.Second}}
	previous, err := api.webhook(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	target := cfg.webhookURL
	if target == "" {
		target = "http://" + ln.Addr().String() + "/webhooks"
	}
	secret, err := api.subscribe(ctx, target, cfg.events)
	if err != nil {
		ln.Close()
		return err
	}
	out := &printer{w: stdout}
	r := &receiver{cfg: cfg, secret: secret, out: out, forward: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	out.printf("Ready! Listening on %s for %s (^C to quit)\n", target, strings.Join(cfg.events, ", "))
	out.printf("Your webhook signing secret is %s\n", secret)
	if cfg.forwardTo != "" {
		out.printf("Forwarding events to %s\n", cfg.forwardTo)
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	// Put back what the account had; re-subscribing keeps its secret.
	if previous != nil {
		if _, rerr := api.subscribe(sctx, previous.URL, previous.Subscriptions); rerr != nil {
			return errors.Join(err, fmt.Errorf("restore the webhook to %s: %w", previous.URL, rerr))
		}
		out.printf("Restored the webhook to %s\n", previous.URL)
	} else if uerr := api.unsubscribe(sctx); uerr != nil {
		return errors.Join(err, fmt.Errorf("unsubscribe: %w", uerr))
	} else {
		out.printf("Unsubscribed the webhook\n")
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// printer serializes output lines of concurrent requests.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// receiver answers the server's webhook requests.
type receiver struct {
	cfg     config
	secret  string
	out     *printer
	forward *http.Client
}

// maxBody bounds what the receiver reads of a request.
const maxBody = 4 << 20

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var ev struct {
		Event string `json:"event"`
	}
	_ = json.Unmarshal(body, &ev)
	now := time.Now()
	stamp := now.Format("2006-01-02 15:04:05")
	id := r.Header.Get(webhook.HeaderID)
	if err := webhook.Verify(r.Header, body, rc.secret, now, 5*time.Minute); err != nil {
		rc.out.printf("%s   --> %s [%s] REFUSED: %v\n", stamp, ev.Event, id, err)
		http.Error(w, "signature verification failed", http.StatusBadRequest)
		return
	}
	rc.out.printf("%s   --> %s [%s] signature ok\n", stamp, ev.Event, id)
	if rc.cfg.printJSON {
		var pretty bytes.Buffer
		if json.Indent(&pretty, body, "", "  ") == nil {
			rc.out.printf("%s\n", pretty.Bytes())
		}
	}
	if rc.cfg.forwardTo == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	// Forward the body and the headers that matter for verification; answer
	// the server with the target's answer, so its failures are retried.
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, rc.cfg.forwardTo, bytes.NewReader(body))
	if err != nil {
		http.Error(w, "bad forward URL", http.StatusBadGateway)
		return
	}
	for _, h := range []string{"Content-Type", "User-Agent", webhook.HeaderCallbellSignature, webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := rc.forward.Do(req)
	if err != nil {
		rc.out.printf("%s   <-- [error] POST %s [%s]: %v\n", time.Now().Format("2006-01-02 15:04:05"), rc.cfg.forwardTo, id, err)
		http.Error(w, "forward failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	rc.out.printf("%s   <-- [%d] POST %s [%s]\n", time.Now().Format("2006-01-02 15:04:05"), resp.StatusCode, rc.cfg.forwardTo, id)
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// apiClient calls the server's webhook endpoints.
type apiClient struct {
	base, token string
	http        *http.Client
}

type webhookView struct {
	URL           string   `json:"url"`
	Subscriptions []string `json:"subscriptions"`
	Secret        string   `json:"secret"`
}

func (c *apiClient) do(ctx context.Context, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, e.Error)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(data, out)
	}
	return resp.StatusCode, nil
}

// webhook returns the account's webhook, nil when it has none.
func (c *apiClient) webhook(ctx context.Context) (*webhookView, error) {
	var b struct{ Webhook webhookView }
	status, err := c.do(ctx, http.MethodGet, "/v1/webhooks", nil, &b)
	if status == http.StatusNotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &b.Webhook, nil
}

func (c *apiClient) subscribe(ctx context.Context, url string, events []string) (string, error) {
	var b struct{ Webhook webhookView }
	if _, err := c.do(ctx, http.MethodPost, "/v1/webhooks/subscribe", map[string]any{"url": url, "subscriptions": events}, &b); err != nil {
		return "", err
	}
	return b.Webhook.Secret, nil
}

func (c *apiClient) unsubscribe(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodDelete, "/v1/webhooks/unsubscribe", nil, nil)
	return err
}

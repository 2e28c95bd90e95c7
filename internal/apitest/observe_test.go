package apitest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// syncBuffer is a server's log, read as JSON lines.
type syncBuffer struct{ apitest.LogBuffer }

// lines decodes the JSON log lines.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// startLogged starts a server whose JSON log goes to the returned buffer.
func startLogged(t *testing.T, e storetest.Engine, opts ...apitest.Option) (*apitest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := apitest.NewConfig(t, e, opts...)
	cfg.LogLevel, cfg.LogFormat = "info", "json"
	return apitest.StartLogged(t, cfg, ob.SystemClock{}, logs), logs
}

// TestRequestLogLines: one line per request with method, route pattern,
// status, bytes, duration, request id and account; never a token or a body.
func TestRequestLogLines(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s, logs := startLogged(t, e)
		c := &http.Client{Timeout: 10 * time.Second}
		do := func(method, path, token, body string) *http.Response {
			req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("X-Request-Id", "req-"+method)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		do("GET", "/v1/contacts/"+johnDoe, apitest.DemoToken, "")
		do("POST", "/v1/contacts/"+johnDoe+"/conversation/note", apitest.DemoToken, `{"text": "BODY-MARKER-7781"}`)
		do("DELETE", "/v1/contacts/"+johnDoe, "WRONG-TOKEN-5512", "")
		var got []map[string]any
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			got = nil
			for _, l := range logs.lines(t) {
				if l["msg"] == "request" {
					got = append(got, l)
				}
			}
			if len(got) >= 3 {
				break
			}
		}
		if len(got) != 3 {
			t.Fatalf("%d request lines: %v", len(got), got)
		}
		want := []struct {
			method, route string
			status        float64
			account       bool
		}{
			{"GET", "/v1/contacts/{uuid}", 200, true},
			{"POST", "/v1/contacts/{uuid}/conversation/note", 200, true},
			{"DELETE", "/v1/contacts/{uuid}", 401, false},
		}
		for i, w := range want {
			l := got[i]
			if l["method"] != w.method || l["route"] != w.route || l["status"] != w.status || l["request_id"] != "req-"+w.method ||
				(l["account"] != "") != w.account || l["level"] != "INFO" {
				t.Errorf("line %d: %v", i, l)
			}
			if b, _ := l["bytes"].(float64); b <= 0 {
				t.Errorf("line %d: bytes %v", i, l["bytes"])
			}
			if _, ok := l["duration_ms"].(float64); !ok {
				t.Errorf("line %d: duration_ms %v", i, l["duration_ms"])
			}
		}
		all := logs.String()
		for _, secret := range []string{apitest.DemoToken, "WRONG-TOKEN-5512", "BODY-MARKER-7781", johnDoe} {
			if strings.Contains(all, secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
	})
}

// TestMetricsEndpoint: GET /metrics (no token) in the Prometheus text
// format, with the server's metrics and no tenant data in labels.
func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s, _ := startLogged(t, e, apitest.WithDeliveryInterval(10*time.Millisecond),
			apitest.WithWebhooks([]time.Duration{10 * time.Millisecond}, 5*time.Second, time.Hour))
		rec := apitest.NewReceiver(t)
		rec.Respond(func(n int, _ apitest.Hook) apitest.Answer {
			if n == 0 {
				return apitest.Answer{Status: 500}
			}
			return apitest.Answer{Status: 200}
		})
		s.Subscribe(rec.URL, "contact_updated")
		expectStatus(t, s.Do("GET", "/v1/contacts", nil), 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Metered"}), 200)
		id := send(t, s, template("+1 555 010 4242", "x"))
		waitStatus(t, s, id, "read")

		scrape := func() string {
			resp, err := http.Get(s.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			return string(b)
		}
		body := scrape()
		for _, name := range []string{
			`openbell_http_requests_total{method="GET",route="/v1/contacts",status="200"} 1`,
			`openbell_http_request_duration_seconds_bucket{method="PATCH",route="/v1/contacts/{uuid}",le=`,
			`openbell_webhook_pending_deliveries `,
			`openbell_webhook_oldest_pending_seconds `,
			`openbell_delivery_progression_lag_seconds_count `,
			`openbell_store_write_transactions_total{result="committed"}`,
			`go_sql_open_connections{db_name=`,
			`go_goroutines `,
			`process_resident_memory_bytes `,
		} {
			if !strings.Contains(body, name) {
				t.Errorf("metrics lack %s", name)
			}
		}
		// A failed then a successful delivery.
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(body, `openbell_webhook_deliveries_total{outcome="delivered"} 1`) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			body = scrape()
		}
		if !strings.Contains(body, `openbell_webhook_deliveries_total{outcome="retry"} 1`) ||
			!strings.Contains(body, `openbell_webhook_deliveries_total{outcome="delivered"} 1`) {
			t.Errorf("delivery outcomes missing:\n%s", grepLines(body, "openbell_webhook_deliveries_total"))
		}
		for _, tenant := range []string{johnDoe, apitest.DemoToken, id, "Metered"} {
			if strings.Contains(body, tenant) {
				t.Errorf("the metrics name %q", tenant)
			}
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestMetricsOnTheirOwnAddress: with --metrics-addr the metrics leave the
// API's address; failing deliveries and a disabled webhook are warned of.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	e := storetest.Engines()[0]
	s, logs := startLogged(t, e, func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /metrics on the API address: %d", resp.StatusCode)
	}
	var url string
	for _, l := range logs.lines(t) {
		if l["msg"] == "metrics listening" {
			url, _ = l["url"].(string)
		}
	}
	if url == "" {
		t.Fatal("no metrics address logged")
	}
	resp, err = http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %d", url, resp.StatusCode)
	}

	// A receiver that answers 410 Gone: a failure warning and a disabled
	// webhook warning.
	rec := apitest.NewReceiver(t)
	rec.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 410} })
	s.Subscribe(rec.URL, "contact_updated")
	expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Gone"}), 200)
	var failed, disabled bool
	for deadline := time.Now().Add(10 * time.Second); !(failed && disabled) && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, l := range logs.lines(t) {
			switch {
			case l["level"] == "WARN" && l["msg"] == "webhook delivery failed" && l["status"] == 410.0 && l["event"] == "contact_updated":
				failed = true
			case l["level"] == "WARN" && strings.HasPrefix(l["msg"].(string), "webhook disabled"):
				disabled = true
			}
		}
	}
	if !failed || !disabled {
		t.Errorf("warnings: failed %v, disabled %v\n%s", failed, disabled, logs.String())
	}
}

// TestWarnsSharedDatabaseWithoutPublicURL: a second process on one
// PostgreSQL database without --public-url warns that href links depend on
// the process; with --public-url it does not.
func TestWarnsSharedDatabaseWithoutPublicURL(t *testing.T) {
	t.Parallel()
	cfg := apitest.NewConfig(t, storetest.Engines()[1]) // PostgreSQL, or a skip
	apitest.StartConfig(t, cfg)
	warned := func(publicURL string) bool {
		second := cfg
		second.DataDir, second.PublicURL, second.LogFormat, second.LogLevel = t.TempDir(), publicURL, "json", "warn"
		logs := &syncBuffer{}
		apitest.StartLogged(t, second, ob.SystemClock{}, logs)
		return strings.Contains(logs.String(), "--public-url is not set")
	}
	if !warned("") {
		t.Error("no warning without --public-url")
	}
	if warned("https://inbox.example.test") {
		t.Error("a warning with --public-url")
	}
}

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: openbell healthcheck succeeds (exit 0) when GET /healthz
// answers 200, at --url or at the address of --addr / OPENBELL_ADDR, and
// fails (exit 1) on any other answer, on no server and on no answer within
// --timeout.
func TestHealthcheck(t *testing.T) {
	addr, _, stop := serve(t, nil, "--data-dir", t.TempDir(), "--api-key", "k")
	defer stop()
	out, _, err := runOnce(t, nil, "healthcheck", "--url", "http://"+addr+"/healthz")
	if err != nil || !strings.Contains(out, `answered 200 {"status":"ok"}`) {
		t.Errorf("healthcheck --url of a healthy server: %v %q", err, out)
	}
	if _, _, err := runOnce(t, map[string]string{"OPENBELL_ADDR": addr}, "healthcheck"); err != nil {
		t.Errorf("healthcheck with OPENBELL_ADDR=%s: %v", addr, err)
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	if _, _, err := runOnce(t, nil, "healthcheck", "--addr", "0.0.0.0:"+port); err != nil {
		t.Errorf("healthcheck --addr 0.0.0.0:%s (asked on loopback): %v", port, err)
	}

	starting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		_, _ = w.Write([]byte(`{"status":"starting"}`))
	}))
	defer starting.Close()
	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	defer silent.Close()
	defer close(hang)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--url", starting.URL + "/healthz"}, `answered 503 {"status":"starting"}`},
		{[]string{"--url", "http://" + freeAddr(t) + "/healthz"}, "unhealthy"},
		{[]string{"--url", silent.URL + "/healthz", "--timeout", "100ms"}, "did not answer within 100ms"},
		{[]string{"--addr", "nonsense"}, "--addr"},
	} {
		_, _, err := runOnce(t, nil, append([]string{"healthcheck"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("healthcheck %s: %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

package webhook

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	def, err := ParseSchedule(DefaultSchedule)
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for _, d := range def {
		total += d
	}
	// 28 retries; the last one within 24 h of the first attempt, and no room
	// for another hourly one.
	if len(def) != 28 || total > 24*time.Hour || total+time.Hour <= 24*time.Hour {
		t.Errorf("default schedule: %d retries over %s", len(def), total)
	}
	for _, c := range []struct {
		in   string
		want string
	}{
		{"5s,30s", "[5s 30s]"},
		{" 100ms*3 , 1s ", "[100ms 100ms 100ms 1s]"},
		{"none", "[]"},
	} {
		got, err := ParseSchedule(c.in)
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("ParseSchedule(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "5", "-1s", "0s", "1s*0", "1s*x", "1s,,2s", "1s*2000"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func TestBackoffJitter(t *testing.T) {
	sched := []time.Duration{time.Second, 10 * time.Second}
	seen := map[time.Duration]bool{}
	for range 200 {
		d := backoff(sched, 2)
		if d < 8*time.Second || d > 12*time.Second {
			t.Fatalf("backoff %s outside 10s ± 20%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct waits: no jitter", len(seen))
	}
	if d := backoff(sched, 1); d < 800*time.Millisecond || d > 1200*time.Millisecond {
		t.Errorf("first wait %s", d)
	}
}

// TestSignKnownVector checks Sign against signatures computed by hand from
// the contract's definitions.
func TestSignKnownVector(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"event":"contact_created","payload":{}}`)
	h := http.Header{}
	Sign(h, secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), body)
	// printf '%s' '1614265330.{"event":"contact_created","payload":{}}' | openssl dgst -sha256 -hmac "$secret"
	if got := h.Get(HeaderCallbellSignature); got != "t=1614265330,v1=d8908eb6b69e04d7ae299b4be5b3b1c1ae5f394a738a26c8e0e90785cd98e0f0" {
		t.Errorf("X-Callbell-Signature %s", got)
	}
	// The same with Python's hmac, keyed with the base64-decoded part after whsec_.
	if got := h.Get(HeaderSignature); got != "v1,qR7tY4cmXl0+o8uyg1JvQjoCJnE6kIfnsu6oa1lKqmQ=" {
		t.Errorf("webhook-signature %s", got)
	}
	if h.Get(HeaderID) != "msg_p5jXN8AQM9LWM0D4loKWxJek" || h.Get(HeaderTimestamp) != "1614265330" {
		t.Errorf("webhook-id %q, webhook-timestamp %q", h.Get(HeaderID), h.Get(HeaderTimestamp))
	}
	if err := Verify(h, body, secret, time.Unix(1614265330, 0), time.Minute); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := Verify(h, append(body, ' '), secret, time.Unix(1614265330, 0), time.Minute); err == nil {
		t.Error("Verify accepted a changed body")
	}
	if err := Verify(h, body, secret, time.Unix(1614265330+600, 0), time.Minute); err == nil {
		t.Error("Verify accepted an old timestamp")
	}
	if err := Verify(h, body, "whsec_"+strings.Repeat("A", 43)+"=", time.Unix(1614265330, 0), time.Minute); err == nil {
		t.Error("Verify accepted another secret")
	}
}

// TestStandardWebhooksVector is the test vector of the Standard Webhooks
// specification (github.com/standard-webhooks/standard-webhooks).
func TestStandardWebhooksVector(t *testing.T) {
	key, err := standardKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	mac := standardMAC(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`))
	if got := base64.StdEncoding.EncodeToString(mac); got != "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Errorf("signature %s", got)
	}
}

func TestPrivateKind(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": "loopback", "::1": "loopback", "10.1.2.3": "private", "172.16.0.1": "private",
		"192.168.1.1": "private", "fd00::1": "private", "169.254.169.254": "link-local", "fe80::1": "link-local",
		"0.0.0.0": "unspecified", "::ffff:127.0.0.1": "loopback", "93.184.216.34": "", "2606:4700::1111": "",
	} {
		if got := privateKind(netip.MustParseAddr(addr)); got != want {
			t.Errorf("privateKind(%s) = %q, want %q", addr, got, want)
		}
	}
	if err := refusePrivate("tcp", "127.0.0.1:80", nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("refusePrivate(127.0.0.1) = %v", err)
	}
	if err := refusePrivate("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("refusePrivate(public) = %v", err)
	}
}

func TestKeyring(t *testing.T) {
	k, err := NewKeyring(DeriveKey("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal("acct1", "whsec_abc")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "whsec_abc") {
		t.Fatalf("sealed form shows the secret: %s", sealed)
	}
	if got, err := k.Open("acct1", sealed); err != nil || got != "whsec_abc" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := k.Open("acct2", sealed); err == nil {
		t.Error("Open for another account succeeded")
	}
	other, _ := NewKeyring(DeriveKey("battery staple"))
	if _, err := other.Open("acct1", sealed); err != ErrWrongKey {
		t.Errorf("Open with another key: %v, want ErrWrongKey", err)
	}
	if _, err := NewKeyring([]byte("short")); err == nil {
		t.Error("NewKeyring accepted a short key")
	}
}

func TestLoadKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	a, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadKeyFile(path)
	if err != nil || string(a) != string(b) || len(a) != 32 {
		t.Fatalf("second load: %x, %v (first %x)", b, err, a)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode())
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(path); err == nil {
		t.Error("a corrupt key file was accepted")
	}
}

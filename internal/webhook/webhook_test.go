package webhook

import (
	"encoding/base64"
	"errors"
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

// TestPrivateKind: every range of API.md section 4 is refused, in each of
// its IPv6 forms, and global addresses are not. Nothing connects anywhere.
func TestPrivateKind(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"100.64.0.1", "shared address space"},
		{"100.127.255.255", "shared address space"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"2001:2::1", "benchmarking"},
		{"192.0.2.10", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.200", "documentation"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff0e::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "reserved"},
		{"240.0.0.1", "reserved"},
		{"254.1.2.3", "reserved"},
		{"192.0.0.8", "reserved"},
		{"192.88.99.1", "reserved"},
		{"100::1", "reserved"},
		{"5f00::1", "reserved"},
		{"4000::1", "reserved"},
		{"fc00::1", "unique-local"},
		{"fd12:3456::1", "unique-local"},
		{"fec0::1", "site-local"},
		{"64:ff9b:1::a00:1", "local-use NAT64"},
		// The IPv4-mapped, IPv4-compatible and NAT64 forms.
		{"::ffff:127.0.0.1", "loopback, IPv4-mapped"},
		{"::ffff:10.0.0.1", "private, IPv4-mapped"},
		{"::ffff:169.254.169.254", "link-local, IPv4-mapped"},
		{"::ffff:100.64.0.1", "shared address space, IPv4-mapped"},
		{"::ffff:198.18.0.1", "benchmarking, IPv4-mapped"},
		{"::ffff:203.0.113.1", "documentation, IPv4-mapped"},
		{"::ffff:224.0.0.1", "multicast, IPv4-mapped"},
		{"::ffff:255.255.255.255", "broadcast, IPv4-mapped"},
		{"::ffff:0.0.0.0", "unspecified, IPv4-mapped"},
		{"::ffff:240.0.0.1", "reserved, IPv4-mapped"},
		{"::127.0.0.1", "loopback, IPv4-compatible"},
		{"::10.0.0.1", "private, IPv4-compatible"},
		{"::169.254.169.254", "link-local, IPv4-compatible"},
		{"::192.0.2.1", "documentation, IPv4-compatible"},
		{"::93.184.216.34", "reserved, IPv4-compatible"},
		{"64:ff9b::127.0.0.1", "loopback, NAT64"},
		{"64:ff9b::10.0.0.1", "private, NAT64"},
		{"64:ff9b::169.254.169.254", "link-local, NAT64"},
		{"64:ff9b::100.64.0.1", "shared address space, NAT64"},
		{"64:ff9b::198.51.100.1", "documentation, NAT64"},
		{"64:ff9b::255.255.255.255", "broadcast, NAT64"},
		// Globally reachable.
		{"93.184.216.34", ""},
		{"8.8.8.8", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.32.0.1", ""},
		{"198.20.0.1", ""},
		{"223.255.255.255", ""},
		{"2606:4700::1111", ""},
		{"2a00:1450:4001::1", ""},
		{"::ffff:93.184.216.34", ""},
		{"64:ff9b::93.184.216.34", ""},
	} {
		if got := privateKind(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("privateKind(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
}

// TestRefusePrivate: the dialer's Control function refuses the resolved
// addresses privateKind names, whatever the network, and names the flag.
// It is called directly: nothing connects.
func TestRefusePrivate(t *testing.T) {
	for _, c := range []struct{ network, address, want string }{
		{"tcp", "127.0.0.1:80", "127.0.0.1 is not globally reachable (loopback)"},
		{"tcp4", "10.0.0.7:443", "10.0.0.7 is not globally reachable (private)"},
		{"tcp6", "[::1]:443", "::1 is not globally reachable (loopback)"},
		{"tcp6", "[::ffff:192.168.0.1]:80", "::ffff:192.168.0.1 is not globally reachable (private, IPv4-mapped)"},
		{"tcp6", "[::ffff:c0a8:1]:80", "::ffff:192.168.0.1 is not globally reachable (private, IPv4-mapped)"},
		{"tcp6", "[64:ff9b::a9fe:a9fe]:80", "64:ff9b::a9fe:a9fe is not globally reachable (link-local, NAT64)"},
		{"tcp6", "[::a00:1]:80", "::a00:1 is not globally reachable (private, IPv4-compatible)"},
		{"tcp6", "[fe80::1%eth0]:80", "is not globally reachable (link-local)"},
		{"tcp6", "[fd00::1]:80", "fd00::1 is not globally reachable (unique-local)"},
		{"tcp", "100.100.100.200:80", "is not globally reachable (shared address space)"},
		{"tcp", "198.18.5.5:80", "is not globally reachable (benchmarking)"},
		{"tcp", "[2001:db8::5]:80", "is not globally reachable (documentation)"},
		{"tcp", "239.1.1.1:80", "is not globally reachable (multicast)"},
		{"tcp", "255.255.255.255:80", "is not globally reachable (broadcast)"},
		{"tcp", "0.0.0.0:80", "is not globally reachable (unspecified)"},
		{"tcp", "240.1.1.1:80", "is not globally reachable (reserved)"},
		{"tcp", "example.com:80", "example.com is not an IP address"},
		{"tcp", "93.184.216.34:443", ""},
		{"tcp6", "[2606:4700::1111]:443", ""},
		{"tcp6", "[::ffff:93.184.216.34]:443", ""},
	} {
		err := refusePrivate(c.network, c.address, nil)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("refusePrivate(%s, %s) = %v, want nil", c.network, c.address, err)
		case c.want != "" && (!errors.Is(err, ErrPrivateAddress) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("refusePrivate(%s, %s) = %v, want %q", c.network, c.address, err, c.want)
		}
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

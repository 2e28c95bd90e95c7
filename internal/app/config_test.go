package app

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestServerFlags: the operating flags of API.md section 6, each also read
// from its OPENBELL_* variable, with their defaults.
func TestServerFlags(t *testing.T) {
	none := func(string) string { return "" }
	c, err := ParseServeConfig(nil, none, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.EventRetention != 720*time.Hour || c.ReadTimeout != 30*time.Second || c.MaxConnsPerIP != 256 {
		t.Errorf("defaults %+v", c)
	}
	env := map[string]string{"OPENBELL_EVENT_RETENTION": "48h", "OPENBELL_READ_TIMEOUT": "5s", "OPENBELL_MAX_CONNS_PER_IP": "0"}
	c, err = ParseServeConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.EventRetention != 48*time.Hour || c.ReadTimeout != 5*time.Second || c.MaxConnsPerIP != 0 {
		t.Errorf("from the environment %+v", c)
	}
	c, err = ParseServeConfig([]string{"--event-retention", "1h", "--read-timeout", "1m", "--max-conns-per-ip", "8"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.EventRetention != time.Hour || c.ReadTimeout != time.Minute || c.MaxConnsPerIP != 8 {
		t.Errorf("the flags do not win: %+v", c)
	}
	for _, args := range [][]string{
		{"--event-retention", "-1h"},
		{"--event-retention", "forever"},
		{"--read-timeout", "-1s"},
		{"--max-conns-per-ip", "-1"},
		{"--max-conns-per-ip", "many"},
	} {
		if _, err := ParseServeConfig(args, none, io.Discard); err == nil {
			t.Errorf("%s accepted", strings.Join(args, " "))
		}
	}
}

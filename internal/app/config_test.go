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
	if c.EventRetention != 720*time.Hour {
		t.Errorf("defaults %+v", c)
	}
	env := map[string]string{"OPENBELL_EVENT_RETENTION": "48h"}
	c, err = ParseServeConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.EventRetention != 48*time.Hour {
		t.Errorf("from the environment %+v", c)
	}
	c, err = ParseServeConfig([]string{"--event-retention", "1h"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.EventRetention != time.Hour {
		t.Errorf("the flag does not win: %+v", c)
	}
	for _, args := range [][]string{
		{"--event-retention", "-1h"},
		{"--event-retention", "forever"},
	} {
		if _, err := ParseServeConfig(args, none, io.Discard); err == nil {
			t.Errorf("%s accepted", strings.Join(args, " "))
		}
	}
}

package app

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestWebhookFlags(t *testing.T) {
	env := map[string]string{
		"OPENBELL_WEBHOOK_RETRY_SCHEDULE": "1s,2s",
		"OPENBELL_WEBHOOK_TIMEOUT":        "3s",
		"OPENBELL_WEBHOOK_DENY_PRIVATE":   "true",
		"OPENBELL_SECRET_KEY":             "from-env",
	}
	c, err := ParseServeConfig([]string{"--webhook-disable-after", "1h", "--webhook-timeout", "4s"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.WebhookRetrySchedule) != 2 || c.WebhookRetrySchedule[1] != 2*time.Second || c.WebhookTimeout != 4*time.Second ||
		c.WebhookDisableAfter != time.Hour || !c.WebhookDenyPrivate || c.SecretKey != "from-env" || c.WebhookConcurrency != 200 {
		t.Errorf("config %+v", c)
	}
	// Defaults: the contract's schedule (28 retries), 10 s, 6 h, off.
	c, err = ParseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.WebhookRetrySchedule) != 28 || c.WebhookTimeout != 10*time.Second || c.WebhookDisableAfter != 6*time.Hour || c.WebhookDenyPrivate {
		t.Errorf("defaults %+v", c)
	}
	for _, args := range [][]string{
		{"--webhook-retry-schedule", "soon"},
		{"--webhook-timeout", "-1s"},
		{"--webhook-concurrency", "-2"},
	} {
		if _, err := ParseServeConfig(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%s accepted", strings.Join(args, " "))
		}
	}
}

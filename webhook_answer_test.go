package openbell_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	ob "github.com/openbell/openbell"
)

func TestWebhookAnswerText(t *testing.T) {
	for _, c := range []struct {
		in    string
		limit int
		want  string
	}{
		{"oops", 4096, "oops"},
		{"abcdef", 4, "abcd"},
		{"ééé", 5, "éé"}, // 2 bytes each: the third does not fit whole
		{"aé", 2, "a"},
		{"a\x00b", 10, "a\uFFFDb"},
		{"a\xffb", 10, "a\uFFFDb"},
		{"\xff\xff", 4, "\uFFFD"}, // one replacement for a run of bad bytes, cut whole
		{strings.Repeat("x", 5000), 4096, strings.Repeat("x", 4096)},
	} {
		got := ob.WebhookAnswerText(c.in, c.limit)
		if got != c.want || len(got) > c.limit || !utf8.ValidString(got) {
			t.Errorf("WebhookAnswerText(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}

func TestWebhookAnswerHeaders(t *testing.T) {
	size := func(h map[string]string) int {
		n := 0
		for k, v := range h {
			n += len(k) + len(v)
		}
		return n
	}
	small := map[string][]string{"Content-Length": {"4"}, "Set-Cookie": {"a=1", "b=2"}}
	if got := ob.WebhookAnswerHeaders(small); len(got) != 2 || got["Content-Length"] != "4" || got["Set-Cookie"] != "a=1, b=2" {
		t.Errorf("small answer: %v", got)
	}

	// Twenty values of 1.5 KiB: each is cut to 1 KiB, and the headers stop
	// at 8 KiB, the first names in order kept.
	big := map[string][]string{}
	for i := range 20 {
		big[fmt.Sprintf("X-Big-%02d", i)] = []string{strings.Repeat("v", 1536)}
	}
	got := ob.WebhookAnswerHeaders(big)
	if size(got) > ob.MaxWebhookHeaders || len(got) != ob.MaxWebhookHeaders/(len("X-Big-00")+ob.MaxWebhookHeaderValue) {
		t.Errorf("big answer: %d headers, %d bytes", len(got), size(got))
	}
	for i := range len(got) {
		if v := got[fmt.Sprintf("X-Big-%02d", i)]; len(v) != ob.MaxWebhookHeaderValue {
			t.Errorf("X-Big-%02d kept %d bytes, want %d", i, len(v), ob.MaxWebhookHeaderValue)
		}
	}

	// Many small headers: at most MaxWebhookHeaderCount.
	many := map[string][]string{}
	for i := range 200 {
		many[fmt.Sprintf("X-%03d", i)] = []string{"1"}
	}
	got = ob.WebhookAnswerHeaders(many)
	names := make([]string, 0, len(got))
	for k := range got {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(got) != ob.MaxWebhookHeaderCount || names[len(names)-1] != fmt.Sprintf("X-%03d", ob.MaxWebhookHeaderCount-1) {
		t.Errorf("many answer: %d headers, last %s", len(got), names[len(names)-1])
	}
}

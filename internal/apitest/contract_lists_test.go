package apitest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

// listRoute is a list endpoint of sections 3 and 5, with its list key.
type listRoute struct{ path, key string }

func demoLists() []listRoute {
	return []listRoute{
		{"/v1/contacts", "contacts"},
		{"/v1/contacts/" + johnDoe + "/messages", "messages"},
		{"/v1/channels", "channels"},
		{"/v1/teams", "teams"},
		{"/v1/teams/" + teamGen + "/members", "users"},
		{"/v1/custom_statuses", "customStatuses"},
		{"/v1/funnels", "funnels"},
		{"/v1/templates", "templates"},
	}
}

// metaOf decodes meta keeping integers exact.
func metaOf(t *testing.T, r *apitest.Response) (page, pages json.Number) {
	t.Helper()
	var m struct {
		Meta map[string]json.Number `json:"meta"`
	}
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m.Meta == nil {
		t.Fatalf("no meta object: %v: %s", err, r.Body)
	}
	if len(m.Meta) != 2 {
		t.Errorf("meta has keys %v, want page and pages", m.Meta)
	}
	return m.Meta["page"], m.Meta["pages"]
}

func sep(path string) string {
	if bytes.ContainsRune([]byte(path), '?') {
		return "&"
	}
	return "?"
}

// TestContractListMetaEverywhere: every list answers meta {page, pages},
// pages >= 1, with the page asked for echoed; a page past the end is an
// empty list (not null) with the same meta; an explicit page=1 equals the
// default.
func TestContractListMetaEverywhere(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, l := range demoLists() {
			r := s.Do("GET", l.path, nil)
			first := list(t, r, l.key)
			if page, pages := metaOf(t, r); page.String() != "1" || pages.String() != "1" {
				t.Errorf("%s: meta %s/%s, want 1/1", l.path, page, pages)
			}
			if len(first) == 0 {
				t.Errorf("%s: empty list on the demo workspace", l.path)
			}
			r1 := s.Do("GET", l.path+sep(l.path)+"page=1", nil)
			if mustJSON(at(r1.JSON(t), l.key)) != mustJSON(at(r.JSON(t), l.key)) {
				t.Errorf("%s: page=1 differs from the default page", l.path)
			}
			for _, p := range []string{"2", "7", "1000000", "01"} {
				r := s.Do("GET", l.path+sep(l.path)+"page="+p, nil)
				got := list(t, r, l.key)
				page, pages := metaOf(t, r)
				want := p
				if p == "01" {
					want = "1"
				}
				if page.String() != want || pages.String() != "1" {
					t.Errorf("%s page=%s: meta %s/%s", l.path, p, page, pages)
				}
				if p != "01" && len(got) != 0 {
					t.Errorf("%s page=%s: %d items past the end", l.path, p, len(got))
				}
			}
		}
	})
}

// TestContractListHugePage: a page number that is a valid positive number
// but far past the end answers an empty page, never a 500.
func TestContractListHugePage(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, l := range demoLists() {
			r := s.Do("GET", l.path+sep(l.path)+"page=9223372036854775807", nil)
			if r.Status != 200 {
				t.Errorf("%s page=MaxInt64: %d %s", l.path, r.Status, r.Body)
				continue
			}
			if got := list(t, r, l.key); len(got) != 0 {
				t.Errorf("%s page=MaxInt64: %d items", l.path, len(got))
			}
			if page, _ := metaOf(t, r); page.String() != "9223372036854775807" {
				t.Errorf("%s page=MaxInt64: meta page %s", l.path, page)
			}
		}
	})
}

// TestContractListBadPage: page below 1 or not a number is 400 on every list,
// with a JSON error.
func TestContractListBadPage(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, l := range demoLists() {
			for _, p := range []string{"0", "-1", "-0", "00", "x", "1.5", "one", "2abc", "1,2", "%201"} {
				r := s.DoUnchecked("GET", l.path+sep(l.path)+"page="+p, nil)
				if r.Status != 400 {
					t.Errorf("%s page=%s: %d, want 400", l.path, p, r.Status)
					continue
				}
				expectError(t, r, 400)
			}
		}
	})
}

// TestContractEmptyLists: lists with nothing in them still answer a list
// (not null) and pages 1, on every list endpoint.
func TestContractEmptyLists(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5550000", "source": "whatsapp", "name": "Quiet"}), "contact")
		for _, l := range []listRoute{
			{"/v1/contacts?source=instagram", "contacts"},
			{"/v1/contacts?tags=USA", "contacts"},
			{"/v1/contacts?team_uuid=" + teamGen, "contacts"},
			{"/v1/contacts/" + c["uuid"].(string) + "/messages", "messages"},
			{"/v1/channels?type=facebook", "channels"},
			{"/v1/channels?type=telegram&active=false", "channels"},
			{"/v1/teams/" + teamGen + "/members?status=away", "users"},
		} {
			for _, p := range []string{"", "page=1", "page=3"} {
				path := l.path
				if p != "" {
					path += sep(path) + p
				}
				r := s.Do("GET", path, nil)
				if got := list(t, r, l.key); len(got) != 0 {
					t.Errorf("%s: %d items", path, len(got))
				}
				page, pages := metaOf(t, r)
				want := "1"
				if p == "page=3" {
					want = "3"
				}
				if page.String() != want || pages.String() != "1" {
					t.Errorf("%s: meta %s/%s, want %s/1", path, page, pages, want)
				}
			}
		}
		// An account without custom statuses, funnels, templates: lists, not null.
		r := s.Send(apitest.Request{Method: "GET", Path: "/v1/custom_statuses", Token: "other-token"})
		if got := list(t, r, "customStatuses"); len(got) != 0 {
			t.Errorf("other custom statuses %s", r.Body)
		}
		for path, key := range map[string]string{"/v1/funnels": "funnels", "/v1/templates": "templates", "/v1/custom_statuses": "customStatuses"} {
			r := s.Send(apitest.Request{Method: "GET", Path: path + "?page=2", Token: "other-token"})
			list(t, r, key)
			if page, pages := metaOf(t, r); page.String() != "2" || pages.String() != "1" {
				t.Errorf("other %s page 2: meta %s/%s", path, page, pages)
			}
		}
	}, withOther)
}

// TestContractMessagesPageBoundary: exactly 20 messages are one page, 21 are
// two; the 21st (oldest) is alone on page 2.
func TestContractMessagesPageBoundary(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5550001", "source": "whatsapp", "name": "Pager"}), "contact")
		path := "/v1/contacts/" + c["uuid"].(string) + "/messages"
		for i := 0; i < 21; i++ {
			expectStatus(t, s.Do("POST", "/v1/contacts/"+c["uuid"].(string)+"/conversation/note", map[string]any{"text": fmt.Sprint("n", i)}), 200)
			if i == 19 {
				r := s.Do("GET", path, nil)
				if n := len(list(t, r, "messages")); n != 20 {
					t.Errorf("%d messages on page 1 of 20", n)
				}
				if _, pages := metaOf(t, r); pages.String() != "1" {
					t.Errorf("20 messages: pages %s, want 1", pages)
				}
			}
		}
		r := s.Do("GET", path+"?page=2", nil)
		got := list(t, r, "messages")
		if len(got) != 1 || got[0]["text"] != "n0" {
			t.Errorf("page 2 %s", r.Body)
		}
		if page, pages := metaOf(t, r); page.String() != "2" || pages.String() != "2" {
			t.Errorf("meta %s/%s", page, pages)
		}
	})
}

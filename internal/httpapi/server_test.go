package httpapi

import "testing"

func TestTokenFromHeader(t *testing.T) {
	for _, tc := range []struct {
		header, token string // token "" means refused
	}{
		{"Bearer abc.123", "abc.123"},
		{"bearer abc.123", "abc.123"},
		{"BEARER abc.123", "abc.123"},
		{"bEaReR abc.123", "abc.123"},
		{"Bearer   abc.123 ", "abc.123"},
		{"Token token=abc.123", "abc.123"},
		{`Token token="abc.123"`, "abc.123"},
		{"token token=abc.123", "abc.123"},
		{"TOKEN token=abc.123", "abc.123"},
		{`token TOKEN="abc.123"`, "abc.123"},
		{"Bearer Bearer abc.123", ""},
		{"bearer bearer abc.123", ""},
		{"BEARER Bearer abc.123", ""},
		{"Bearer Token token=abc.123", ""},
		{"Token Bearer abc.123", ""},
		{"Token token=Bearer abc.123", ""},
		{"Bearer", ""},
		{"Bearer ", ""},
		{"Bearerabc.123", ""},
		{"bearerabc.123", ""},
		{"Token abc.123", ""},
		{"Token token=", ""},
		{`Token token=""`, ""},
		{"Token tok=abc.123", ""},
		{"Basic abc.123", ""},
		{"abc.123", ""},
		{"", ""},
	} {
		tok, ok := tokenFromHeader(tc.header)
		if ok != (tc.token != "") || tok != tc.token {
			t.Errorf("%q: %q %v, want %q", tc.header, tok, ok, tc.token)
		}
	}
}

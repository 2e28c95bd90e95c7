package openbell

import (
	"encoding/json"
	"testing"
)

func TestWebhookAttemptResponseView(t *testing.T) {
	for _, tc := range []struct {
		code    int
		body    string
		headers map[string]string
		want    string
	}{
		{200, `{"ok": true}`, map[string]string{"Content-Length": "12"}, `{"body":{"ok":true},"code":200,"headers":{"Content-Length":"12"}}`},
		{200, " [1, \"a\"]\n", nil, `{"body":[1,"a"],"code":200,"headers":{}}`},
		{500, `"oops"`, nil, `{"body":"oops","code":500,"headers":{}}`},
		{500, `null`, nil, `{"body":null,"code":500,"headers":{}}`},
		{500, `oops`, nil, `{"body":"oops","code":500,"headers":{}}`},
		{204, ``, nil, `{"body":"","code":204,"headers":{}}`},
		{400, `{"cut":`, nil, `{"body":"{\"cut\":","code":400,"headers":{}}`},
		{0, ``, nil, `{"body":{},"code":null,"headers":{}}`},
	} {
		a := WebhookAttempt{Code: tc.code, ResponseBody: tc.body, ResponseHeaders: tc.headers}
		got, err := json.Marshal(a.View().Response)
		if err != nil || string(got) != tc.want {
			t.Errorf("%d %q: %s %v, want %s", tc.code, tc.body, got, err, tc.want)
		}
	}
}

package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
)

// The signature headers of API.md section 4.
const (
	// HeaderCallbellSignature is `t=<unix seconds>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>">`, keyed with the whole secret string.
	HeaderCallbellSignature = "X-Callbell-Signature"
	// HeaderID, HeaderTimestamp and HeaderSignature are the Standard Webhooks
	// headers: a stable message id, the unix seconds of the attempt and
	// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the
	// base64-decoded part of the secret after "whsec_".
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Sign sets the signature headers of one attempt, made at `at`, on h.
func Sign(h http.Header, secret, messageID string, at time.Time, body []byte) {
	ts := strconv.FormatInt(at.Unix(), 10)
	h.Set(HeaderCallbellSignature, "t="+ts+",v1="+hex.EncodeToString(callbellMAC(secret, ts, body)))
	h.Set(HeaderID, messageID)
	h.Set(HeaderTimestamp, ts)
	if key, err := standardKey(secret); err == nil {
		h.Set(HeaderSignature, "v1,"+base64.StdEncoding.EncodeToString(standardMAC(key, messageID, ts, body)))
	}
}

func callbellMAC(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

func standardMAC(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// standardKey is the Standard Webhooks key of a secret: the base64-decoded
// part after "whsec_".
func standardKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, ob.WebhookSecretPrefix)
	if !ok {
		return nil, errors.New("secret does not start with " + ob.WebhookSecretPrefix)
	}
	return base64.StdEncoding.DecodeString(rest)
}

// ErrSignature is returned by Verify for a request whose signature is
// missing, wrong or too old.
var ErrSignature = errors.New("webhook signature verification failed")

// Verify checks the signatures of a received webhook request: the
// X-Callbell-Signature header always, and the Standard Webhooks
// webhook-signature header when it is present. Timestamps further than
// tolerance from now are refused, which stops replays.
func Verify(h http.Header, body []byte, secret string, now time.Time, tolerance time.Duration) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSignature, fmt.Sprintf(format, args...))
	}
	sig := h.Get(HeaderCallbellSignature)
	if sig == "" {
		return fail("no %s header", HeaderCallbellSignature)
	}
	var ts string
	var macs [][]byte
	for _, part := range strings.Split(sig, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				macs = append(macs, b)
			}
		}
	}
	if err := checkTimestamp(ts, now, tolerance); err != nil {
		return fail("%s: %v", HeaderCallbellSignature, err)
	}
	want := callbellMAC(secret, ts, body)
	if !anyEqual(macs, want) {
		return fail("%s does not match the body", HeaderCallbellSignature)
	}
	std := h.Get(HeaderSignature)
	if std == "" {
		return nil
	}
	id, sts := h.Get(HeaderID), h.Get(HeaderTimestamp)
	if err := checkTimestamp(sts, now, tolerance); err != nil {
		return fail("%s: %v", HeaderTimestamp, err)
	}
	key, err := standardKey(secret)
	if err != nil {
		return fail("%v", err)
	}
	macs = macs[:0]
	for _, s := range strings.Fields(std) {
		if v, ok := strings.CutPrefix(s, "v1,"); ok {
			if b, err := base64.StdEncoding.DecodeString(v); err == nil {
				macs = append(macs, b)
			}
		}
	}
	if !anyEqual(macs, standardMAC(key, id, sts, body)) {
		return fail("%s does not match the body", HeaderSignature)
	}
	return nil
}

func checkTimestamp(ts string, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no valid timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("timestamp is %s away from now", d.Round(time.Second))
	}
	return nil
}

func anyEqual(macs [][]byte, want []byte) bool {
	for _, m := range macs {
		if hmac.Equal(m, want) {
			return true
		}
	}
	return false
}

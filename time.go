package openbell

import (
	"encoding/json"
	"time"
)

// The three timestamp formats of the contract. Clients parse them, so each
// place uses exactly the one API.md names for it.
const (
	layoutT1 = "2006-01-02T15:04:05Z"
	layoutT2 = "2006-01-02 15:04:05 +0000"
	layoutT3 = "2006-01-02T15:04:05.000Z"
)

// T1 marshals as 2020-11-13T21:08:53Z (contacts, conversations, messages,
// teams, team members, templates, bots). The zero value marshals as null.
type T1 time.Time

// T2 marshals as 2024-11-22 21:29:43 +0000 (custom statuses, funnels, webhooks).
type T2 time.Time

// T3 marshals as 2022-10-18T12:06:29.000Z (message_created, contact_deleted,
// user status).
type T3 time.Time

func marshalTime(t time.Time, layout string) ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(layout))
}

// MarshalJSON implements json.Marshaler.
func (t T1) MarshalJSON() ([]byte, error) { return marshalTime(time.Time(t), layoutT1) }

// UnmarshalJSON implements json.Unmarshaler: it reads what MarshalJSON
// writes (stored objects that hold a time, such as a reply's context).
func (t *T1) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = T1{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(layoutT1, s)
	*t = T1(v)
	return err
}

// MarshalJSON implements json.Marshaler.
func (t T2) MarshalJSON() ([]byte, error) { return marshalTime(time.Time(t), layoutT2) }

// MarshalJSON implements json.Marshaler.
func (t T3) MarshalJSON() ([]byte, error) { return marshalTime(time.Time(t), layoutT3) }

// Clock tells the time. It is injected everywhere time matters so tests (and
// the sandbox clock) can move it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// Millis converts t to Unix milliseconds, the storage form of every time.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMillis converts Unix milliseconds back to a UTC time; 0 is the zero time.
func FromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

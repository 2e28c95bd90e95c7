// Package sandbox holds the parts of the sandbox (API.md section 5) that are
// not operations on stored objects: the fault rules that make API requests
// fail on purpose, and the worker that moves outbound messages through their
// delivery statuses.
package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
)

// Fault is a rule that makes matching API requests of an account fail.
type Fault struct {
	ID          int     `json:"id"`
	Method      string  `json:"method,omitempty"`
	PathPrefix  string  `json:"path_prefix"`
	Status      int     `json:"status"`
	Probability float64 `json:"probability"`
	DelayMS     int     `json:"delay_ms"`
	// Count is how many more requests the rule may fail; 0 means no limit.
	Count int `json:"count"`
}

// MaxFaults is the most fault rules an account holds (API.md section 5): the
// rules live in the server's memory and every API request of the account
// walks them.
const MaxFaults = 100

// FaultInput is the body of POST /sandbox/v1/faults.
type FaultInput struct {
	Method      ob.Opt[string]  `json:"method"`
	PathPrefix  ob.Opt[string]  `json:"path_prefix"`
	Status      ob.Opt[int]     `json:"status"`
	Probability ob.Opt[float64] `json:"probability"`
	DelayMS     ob.Opt[int]     `json:"delay_ms"`
	Count       ob.Opt[int]     `json:"count"`
}

// Faults keeps the fault rules of every account, in memory: they belong to
// the server process they were given to.
type Faults struct {
	mu     sync.Mutex
	nextID int
	rules  map[ob.ID][]*Fault
	roll   func() float64
}

// NewFaults returns an empty rule set.
func NewFaults() *Faults {
	return &Faults{rules: map[ob.ID][]*Fault{}, roll: rand.Float64}
}

// Add validates in and appends a rule for the account (first match wins); an
// account that holds MaxFaults rules gets a validation error on "faults".
func (f *Faults) Add(accountID ob.ID, in FaultInput) (Fault, error) {
	v := ob.NewValidation(ob.EINVALID)
	prefix, _ := in.PathPrefix.Value()
	if v.MaxLength("path_prefix", prefix, ob.MaxPathPrefix) && !strings.HasPrefix(prefix, "/") {
		v.Add("path_prefix", "must be a path starting with / (such as /v1/messages/send)")
	}
	status, _ := in.Status.Value()
	if status != 0 && (status < 400 || status > 599) {
		v.Add("status", "must be an HTTP error status (400 to 599), or 0 for a delay only")
	}
	p, given := in.Probability.Value()
	if !given {
		p = 1
	}
	if p < 0 || p > 1 {
		v.Add("probability", "must be between 0 and 1")
	}
	delay, _ := in.DelayMS.Value()
	if delay < 0 || delay > 60_000 {
		v.Add("delay_ms", "must be between 0 and 60000")
	}
	method, _ := in.Method.Value()
	v.MaxLength("method", method, ob.MaxName)
	count, _ := in.Count.Value()
	if count < 0 {
		v.Add("count", "must be 0 (no limit) or more")
	}
	if status == 0 && delay == 0 {
		v.Add("status", "give a status, a delay_ms, or both")
	}
	if err := v.Err(); err != nil {
		return Fault{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rules[accountID]) >= MaxFaults {
		return Fault{}, ob.Invalid("faults", fmt.Sprintf("an account holds at most %d fault rules; DELETE /sandbox/v1/faults clears them", MaxFaults))
	}
	f.nextID++
	r := &Fault{ID: f.nextID, Method: strings.ToUpper(method), PathPrefix: prefix, Status: status, Probability: p, DelayMS: delay, Count: count}
	f.rules[accountID] = append(f.rules[accountID], r)
	return *r, nil
}

// List returns the account's rules in match order.
func (f *Faults) List(accountID ob.ID) []Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Fault, 0, len(f.rules[accountID]))
	for _, r := range f.rules[accountID] {
		out = append(out, *r)
	}
	return out
}

// Clear removes the account's rules.
func (f *Faults) Clear(accountID ob.ID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.rules, accountID)
}

// Match finds the first rule for a request and rolls its probability. It
// returns the status to answer with (0: serve the request) and the delay to
// wait first; a rule with a count is used up by the requests it hits.
func (f *Faults) Match(accountID ob.ID, method, path string) (status int, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rules := f.rules[accountID]
	for i, r := range rules {
		if (r.Method != "" && r.Method != method) || !strings.HasPrefix(path, r.PathPrefix) {
			continue
		}
		if r.Probability < 1 && f.roll() >= r.Probability {
			return 0, 0
		}
		if r.Count > 0 {
			r.Count--
			if r.Count == 0 {
				f.rules[accountID] = append(rules[:i:i], rules[i+1:]...)
			}
		}
		return r.Status, time.Duration(r.DelayMS) * time.Millisecond
	}
	return 0, 0
}

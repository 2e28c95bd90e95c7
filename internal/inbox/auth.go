package inbox

import (
	"context"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// Authenticator resolves tokens to principals. Tokens are looked up by their
// SHA-256 hash (the database never holds a secret). Answers, found or not,
// are cached for a short time, so that neither an authenticated request nor
// a repeated bad token costs a database read on the hot path, while a
// revoked token stops working within that time.
type Authenticator struct {
	store store.Store
	clock ob.Clock
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]cachedPrincipal // by token hash
}

type cachedPrincipal struct {
	p       *ob.Principal // nil: no such token
	expires time.Time
}

// maxCachedTokens bounds the cache; past it, the answers for unknown tokens
// are forgotten, and if that is not enough, all.
const maxCachedTokens = 10_000

// NewAuthenticator returns an Authenticator on st caching answers for ttl
// (API.md: a revoked token stops working within a second).
func NewAuthenticator(st store.Store, clock ob.Clock, ttl time.Duration) *Authenticator {
	return &Authenticator{store: st, clock: clock, ttl: ttl, cache: map[string]cachedPrincipal{}}
}

// Known returns the principal of secret when a recent answer is cached, with
// no database read; ok is false otherwise.
func (a *Authenticator) Known(secret string) (p *ob.Principal, ok bool) {
	if secret == "" {
		return nil, false
	}
	hash := ob.HashToken(secret)
	a.mu.Lock()
	c, found := a.cache[hash]
	a.mu.Unlock()
	if !found || c.p == nil || !a.clock.Now().Before(c.expires) {
		return nil, false
	}
	out := *c.p
	return &out, true
}

// WasValid reports whether secret was a valid token when it was last looked
// up, however long ago. Such a token is looked up again even when its
// client address is over its limit of failed authentications: a flood of
// bad tokens from an address that good clients share (a NAT, a reverse
// proxy) must not lock them out once their cached answer expires. A revoked
// token is found missing by that lookup, and from then on it is not valid.
func (a *Authenticator) WasValid(secret string) bool {
	if secret == "" {
		return false
	}
	hash := ob.HashToken(secret)
	a.mu.Lock()
	c, found := a.cache[hash]
	a.mu.Unlock()
	return found && c.p != nil
}

// Authenticate returns the principal of secret, or EUNAUTHORIZED.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (*ob.Principal, error) {
	unauthorized := &ob.Error{Code: ob.EUNAUTHORIZED, Message: "not authorized"}
	if secret == "" {
		return nil, unauthorized
	}
	// The cache is keyed by the hash, not the secret: a lookup's timing
	// tells nothing about any stored secret.
	hash := ob.HashToken(secret)
	now := a.clock.Now()
	a.mu.Lock()
	c, ok := a.cache[hash]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		if c.p == nil {
			return nil, unauthorized
		}
		p := *c.p
		return &p, nil
	}
	var p *ob.Principal
	err := a.store.Read(ctx, func(tx store.Tx) (err error) {
		p, err = tx.PrincipalByTokenHash(hash)
		return err
	})
	if err != nil && ob.ErrorCode(err) != ob.ENOTFOUND {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) >= maxCachedTokens {
		// A flood of bad tokens fills the cache with unknown ones; the
		// valid answers stay, so that WasValid still knows them.
		for h, c := range a.cache {
			if c.p == nil {
				delete(a.cache, h)
			}
		}
		if len(a.cache) >= maxCachedTokens {
			clear(a.cache)
		}
	}
	a.cache[hash] = cachedPrincipal{p: p, expires: now.Add(a.ttl)}
	a.mu.Unlock()
	if p == nil {
		return nil, unauthorized
	}
	out := *p
	return &out, nil
}

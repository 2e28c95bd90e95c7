package inbox

import (
	"context"
	"crypto/subtle"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// Authenticator resolves tokens to principals. Tokens are looked up by their
// SHA-256 hash (the database never holds a secret) and the hash is compared in
// constant time. Recent answers are cached briefly, so an authenticated
// request does not cost a database read.
type Authenticator struct {
	store store.Store
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       ob.Principal
	hash    string
	expires time.Time
}

// NewAuthenticator returns an Authenticator on st caching answers for ttl.
func NewAuthenticator(st store.Store, ttl time.Duration) *Authenticator {
	return &Authenticator{store: st, ttl: ttl, cache: map[string]cachedPrincipal{}}
}

// Authenticate returns the principal of secret, or EUNAUTHORIZED.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (*ob.Principal, error) {
	unauthorized := &ob.Error{Code: ob.EUNAUTHORIZED, Message: "not authorized"}
	if secret == "" {
		return nil, unauthorized
	}
	hash := ob.HashToken(secret)
	now := time.Now()
	a.mu.Lock()
	c, ok := a.cache[hash]
	a.mu.Unlock()
	if ok && now.Before(c.expires) && subtle.ConstantTimeCompare([]byte(c.hash), []byte(hash)) == 1 {
		p := c.p
		return &p, nil
	}
	var p *ob.Principal
	err := a.store.Read(ctx, func(tx store.Tx) (err error) {
		p, err = tx.PrincipalByTokenHash(hash)
		return err
	})
	if ob.ErrorCode(err) == ob.ENOTFOUND {
		return nil, unauthorized
	} else if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) > 10_000 {
		clear(a.cache)
	}
	a.cache[hash] = cachedPrincipal{p: *p, hash: hash, expires: now.Add(a.ttl)}
	a.mu.Unlock()
	return p, nil
}

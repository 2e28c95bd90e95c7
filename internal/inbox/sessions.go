package inbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// SessionLifetime is how long a web inbox session lasts after sign-in.
const SessionLifetime = 14 * 24 * time.Hour

// errSignIn is the one answer to every failed sign-in, so that it tells
// nothing of which e-mails exist.
var errSignIn = &ob.Error{Code: ob.EUNAUTHORIZED, Message: "wrong e-mail or password"}

// SignInWithToken opens a web inbox session for the principal of an API
// token: it acts as the user the token acts as, and ends when the token is
// revoked. It returns the cookie's secret.
func (s *Service) SignInWithToken(ctx context.Context, p *ob.Principal) (string, error) {
	var userID ob.ID
	err := s.store.Read(ctx, func(tx store.Tx) error {
		u, err := tx.ActingUser(p.AccountID)
		if err == nil {
			userID = u.ID
		} else if ob.ErrorCode(err) != ob.ENOTFOUND {
			return err
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return s.openSession(ctx, &ob.Session{AccountID: p.AccountID, UserID: userID, TokenID: p.TokenID})
}

// SignInWithPassword opens a session for the user with that e-mail whose
// password it is. An e-mail may belong to users of several accounts: the
// first account (oldest first) where the password matches wins.
func (s *Service) SignInWithPassword(ctx context.Context, email, password string) (string, error) {
	if ob.IsBlank(email) || password == "" || ob.TextProblem(email) != "" || ob.Longer(email, ob.MaxName) {
		return "", errSignIn
	}
	type candidate struct {
		user ob.User
		hash string
	}
	var cands []candidate
	err := s.store.Read(ctx, func(tx store.Tx) error {
		users, err := tx.UsersByEmail(email)
		if err != nil {
			return err
		}
		for _, u := range users {
			h, err := tx.PasswordHash(u.AccountID, u.ID)
			if err != nil {
				return err
			}
			if h != "" {
				cands = append(cands, candidate{u, h})
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	for _, c := range cands {
		if ob.CheckPassword(c.hash, password) {
			return s.openSession(ctx, &ob.Session{AccountID: c.user.AccountID, UserID: c.user.ID})
		}
	}
	if len(cands) == 0 {
		// Spend the time a check takes, so that the answer's delay does
		// not tell whether the e-mail has a password.
		ob.CheckPassword(dummyHash, password)
	}
	return "", errSignIn
}

// dummyHash is a bcrypt hash of nothing anyone types.
const dummyHash = "$2a$10$ztsoE5rh71CeYhLJ.VBkm.cqjwVoPb13d4fH7T3.Q770qrvOIqHVm"

func (s *Service) openSession(ctx context.Context, sess *ob.Session) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	sess.Hash, sess.CreatedAt, sess.ExpiresAt = ob.HashToken(secret), now, now.Add(SessionLifetime)
	err := s.store.Write(ctx, func(tx store.Tx) error { return tx.InsertSession(sess) })
	return secret, err
}

// SessionOf returns the session of a cookie's secret and the user it acts
// as (nil when the account has no user); EUNAUTHORIZED when the session is
// unknown, expired, its token revoked or its user gone. A token's session
// whose user is gone (a reset made the users anew) acts as the token's user
// of now.
func (s *Service) SessionOf(ctx context.Context, secret string) (*ob.Session, *ob.User, error) {
	if secret == "" {
		return nil, nil, &ob.Error{Code: ob.EUNAUTHORIZED, Message: "not signed in"}
	}
	var sess *ob.Session
	var user *ob.User
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		if sess, err = tx.SessionByHash(ob.HashToken(secret), s.now()); err != nil {
			return err
		}
		if sess.UserID != "" {
			user, err = tx.UserByID(sess.AccountID, sess.UserID)
		}
		if sess.TokenID != "" && (sess.UserID == "" || ob.ErrorCode(err) == ob.ENOTFOUND) {
			user, err = tx.ActingUser(sess.AccountID)
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				return nil
			}
		}
		return err
	})
	if ob.ErrorCode(err) == ob.ENOTFOUND {
		return nil, nil, &ob.Error{Code: ob.EUNAUTHORIZED, Message: "not signed in"}
	}
	if err != nil {
		return nil, nil, err
	}
	return sess, user, nil
}

// SignOut ends the session of a cookie's secret.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return tx.DeleteSession(ob.HashToken(secret)) })
}

// SetPassword sets the password of a user (`openbell user password`).
func (s *Service) SetPassword(ctx context.Context, accountID, userID ob.ID, password string) error {
	hash, err := ob.HashPassword(password)
	if err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return tx.SetPasswordHash(accountID, userID, hash) })
}

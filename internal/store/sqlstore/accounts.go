package sqlstore

import (
	ob "github.com/openbell/openbell"
)

const accountCols = "id, name, plan, included_channels, licenses, is_default, created_at"

func scanAccount(s scanner) (ob.Account, error) {
	var a ob.Account
	err := s.Scan(&a.ID, &a.Name, &a.Plan, &a.IncludedChannels, &a.Licenses, (*flag)(&a.Default), (*millis)(&a.CreatedAt))
	return a, err
}

func (t *tx) DefaultAccount() (*ob.Account, error) {
	return get(t, "account", scanAccount, "SELECT "+accountCols+" FROM accounts WHERE is_default = 1")
}

func (t *tx) AccountByID(id ob.ID) (*ob.Account, error) {
	return get(t, "account", scanAccount, "SELECT "+accountCols+" FROM accounts WHERE id = ?", id)
}

func (t *tx) AccountByName(name string) (*ob.Account, error) {
	return get(t, "account", scanAccount, "SELECT "+accountCols+" FROM accounts WHERE name = ?", name)
}

func (t *tx) InsertAccount(a *ob.Account) error {
	_, err := t.exec("INSERT INTO accounts ("+accountCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.Name, a.Plan, a.IncludedChannels, a.Licenses, b2i(a.Default), ob.Millis(a.CreatedAt))
	return err
}

func (t *tx) UpdateAccount(a *ob.Account) error {
	_, err := t.exec("UPDATE accounts SET name = ?, plan = ?, included_channels = ?, licenses = ?, is_default = ? WHERE id = ?",
		a.Name, a.Plan, a.IncludedChannels, a.Licenses, b2i(a.Default), a.ID)
	return err
}

func (t *tx) LockAccount(id ob.ID) error {
	var got string
	return one(t.queryRow("SELECT id FROM accounts WHERE id = ?"+t.db.d.ForUpdate, id).Scan(&got), "account")
}

func (t *tx) PrincipalByTokenHash(hash string) (*ob.Principal, error) {
	return get(t, "token", func(s scanner) (ob.Principal, error) {
		var p ob.Principal
		err := s.Scan(&p.AccountID, &p.TokenName, &p.TokenID)
		return p, err
	}, "SELECT account_id, name, id FROM api_tokens WHERE token_hash = ?", hash)
}

func (t *tx) InsertToken(tok *ob.Token) error {
	_, err := t.exec(`INSERT INTO api_tokens (id, account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO NOTHING`, tok.ID, tok.AccountID, tok.Name, tok.Hash, ob.Millis(tok.CreatedAt))
	return err
}

func (t *tx) CountTokens(accountID ob.ID) (int, error) {
	var n int
	err := t.queryRow("SELECT COUNT(*) FROM api_tokens WHERE account_id = ?", accountID).Scan(&n)
	return n, err
}

func (t *tx) TokenNames(accountID ob.ID) ([]string, error) {
	return list(t, func(s scanner) (string, error) {
		var n string
		err := s.Scan(&n)
		return n, err
	}, "SELECT name FROM api_tokens WHERE account_id = ? ORDER BY created_at, id", accountID)
}

func (t *tx) Tokens() ([]ob.Token, error) {
	return list(t, func(s scanner) (ob.Token, error) {
		var tok ob.Token
		err := s.Scan(&tok.ID, &tok.AccountID, &tok.Name, &tok.Hash, (*millis)(&tok.CreatedAt))
		return tok, err
	}, "SELECT id, account_id, name, token_hash, created_at FROM api_tokens ORDER BY created_at, id")
}

func (t *tx) DeleteToken(id ob.ID) error {
	res, err := t.exec("DELETE FROM api_tokens WHERE id = ?", id)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = ob.NotFound("token")
	}
	return err
}

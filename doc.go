// Package openbell is the domain of the openbell server: the objects of the
// Callbell API (contacts, conversations, messages, channels, teams, ...), the
// error codes every layer speaks, and the pure rules of the contract
// (identifier, e-mail, date and custom-field validation, timestamp formats).
//
// It has no HTTP and no SQL in it. The application operations that combine
// these rules with storage live in internal/inbox; the HTTP translation in
// internal/httpapi; persistence in internal/store.
package openbell

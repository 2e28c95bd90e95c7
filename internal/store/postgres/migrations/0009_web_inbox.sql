-- The web inbox (docs/UI.md): users' passwords, sign-in sessions, and who
-- wrote an outbound message or a note.

-- password_hash is a bcrypt hash; '' means the user cannot sign in with a
-- password. Sign-in finds a user by e-mail across accounts.
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX users_email ON users(lower(email));

-- author_id is the user who wrote an outbound message or a note through the
-- web inbox; '' for the API (whose token acts as the account's first admin),
-- inbound messages and system notes.
ALTER TABLE messages ADD COLUMN author_id TEXT NOT NULL DEFAULT '';

-- The web inbox opens a conversation at its href, /chat/<conversation id>.
CREATE INDEX contacts_conversation ON contacts(account_id, conversation_id);

-- A session is a signed-in browser. id is the SHA-256 hex of the cookie's
-- secret (the database never holds the secret). token_id names the API
-- token it was opened with ('' for a password): revoking the token ends the
-- session. Stored in the database so that every process serves it.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    user_id    TEXT NOT NULL,
    token_id   TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

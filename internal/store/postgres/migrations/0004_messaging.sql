-- Messaging and the sandbox: delivery progression of outbound messages,
-- idempotent sends and the per-account sandbox clock.

-- delivery_due_at is when the message takes its next delivery step (Unix ms,
-- server time; 0 = no step pending). The progression worker claims due rows,
-- so a step survives a restart and is taken by one process only.
ALTER TABLE messages ADD COLUMN delivery_due_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN corrected_number TEXT NOT NULL DEFAULT '';
-- fail_reason, when set, makes the first delivery step fail with it (a
-- template whose placeholders do not match its values).
ALTER TABLE messages ADD COLUMN fail_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_due ON messages(delivery_due_at) WHERE delivery_due_at > 0;
CREATE INDEX messages_inbound ON messages(contact_id, kind, created_at);
-- The next seq of a contact's message is MAX(seq) + 1, read off this index.
CREATE INDEX messages_seq ON messages(contact_id, seq);

CREATE TABLE idempotency_keys (
    account_id   TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);

CREATE TABLE account_clocks (
    account_id TEXT PRIMARY KEY,
    offset_ms  BIGINT NOT NULL
);

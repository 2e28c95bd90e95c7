-- Webhooks (API.md sections 3 and 4). An account has at most one webhook.
-- Every event it subscribes to is queued, in the transaction of the event, as
-- a delivery of a stream: the contact of the event, or '' for the account's
-- events about no contact. A stream sends its oldest pending delivery and
-- nothing else until that one is done, so a contact's events arrive in order
-- while different contacts go out in parallel.
CREATE TABLE webhooks (
    account_id    TEXT PRIMARY KEY REFERENCES accounts(id),
    url           TEXT NOT NULL,
    subscriptions TEXT NOT NULL,            -- JSON array of event names
    enabled       INTEGER NOT NULL DEFAULT 1,
    secret        TEXT NOT NULL,            -- sealed (AES-GCM) with the server's key
    failing_since INTEGER NOT NULL DEFAULT 0, -- first failure after the last success
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- webhook_streams is what the worker claims: a stream with pending
-- deliveries whose next attempt is due and whose lease has run out. While the
-- webhook is disabled next_attempt_at is far in the future, so the claim
-- query never reads a disabled webhook's backlog.
CREATE TABLE webhook_streams (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      TEXT NOT NULL,
    stream          TEXT NOT NULL,
    pending         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    claimed_by      TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, stream)
);
CREATE INDEX webhook_streams_due ON webhook_streams(next_attempt_at, id) WHERE pending > 0;

-- webhook_deliveries holds each queued event with the exact body sent on
-- every attempt. status: pending, delivered, failed (schedule exhausted),
-- cancelled (unsubscribed before it went out).
CREATE TABLE webhook_deliveries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    stream     TEXT NOT NULL,
    event_id   INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    failures   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_head ON webhook_deliveries(account_id, stream, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_done ON webhook_deliveries(updated_at) WHERE status <> 'pending';

-- webhook_attempts is the log GET /webhooks/events shows, newest first.
CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       TEXT NOT NULL,
    delivery_id      INTEGER NOT NULL,
    message_id       TEXT NOT NULL,
    event_name       TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    success          INTEGER NOT NULL,
    code             INTEGER NOT NULL,
    response_body    TEXT NOT NULL DEFAULT '',
    response_headers TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    duration_ms      INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_account ON webhook_attempts(account_id, id);
CREATE INDEX webhook_attempts_created ON webhook_attempts(created_at);

-- server_keys holds keys the server generated for itself where no operator
-- gave one (the webhook secret key on PostgreSQL without --secret-key).
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

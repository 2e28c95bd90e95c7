-- Initial schema. Times are Unix milliseconds (0 = none; contacts.activity_at
-- and its copy in contact_tags, the list order key, are microseconds), ids canonical
-- 32-character hex, booleans 0/1, lists and maps JSON text; "" means none.
CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    plan              TEXT NOT NULL DEFAULT '',
    included_channels BIGINT NOT NULL DEFAULT 0,
    licenses          BIGINT NOT NULL DEFAULT 0,
    is_default        BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);

CREATE TABLE custom_statuses (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    emoji      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX custom_statuses_account ON custom_statuses(account_id, created_at);

CREATE TABLE users (
    id                       TEXT PRIMARY KEY,
    account_id               TEXT NOT NULL REFERENCES accounts(id),
    email                    TEXT NOT NULL,
    name                     TEXT NOT NULL,
    admin                    BIGINT NOT NULL DEFAULT 0,
    available                BIGINT NOT NULL DEFAULT 0,
    last_updated_at          BIGINT NOT NULL,
    custom_status_id         TEXT NOT NULL DEFAULT '',
    custom_status_updated_at BIGINT NOT NULL DEFAULT 0,
    created_at               BIGINT NOT NULL,
    UNIQUE (account_id, email)
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX teams_account ON teams(account_id, created_at);

CREATE TABLE team_members (
    team_id    TEXT NOT NULL REFERENCES teams(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE channels (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    type       TEXT NOT NULL,
    title      TEXT NOT NULL,
    identifier TEXT NOT NULL DEFAULT '',
    main       BIGINT NOT NULL DEFAULT 0,
    discarded  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX channels_account ON channels(account_id, created_at);

CREATE TABLE tags (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE custom_fields (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    type       TEXT NOT NULL,
    options    TEXT NOT NULL DEFAULT '[]',
    position   BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, name)
);

CREATE TABLE funnels (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    emoji      TEXT NOT NULL DEFAULT '',
    position   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX funnels_account ON funnels(account_id, position);

CREATE TABLE templates (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    template_type TEXT NOT NULL,
    category      TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX templates_account ON templates(account_id, created_at);

CREATE TABLE bots (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    enabled    BIGINT NOT NULL DEFAULT 0,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE INDEX bots_account ON bots(account_id, created_at);

CREATE TABLE contacts (
    id                      TEXT PRIMARY KEY,
    account_id              TEXT NOT NULL REFERENCES accounts(id),
    channel_id              TEXT NOT NULL REFERENCES channels(id),
    source                  TEXT NOT NULL,
    name                    TEXT NOT NULL,
    identifier              TEXT NOT NULL,
    bsuid                   TEXT NOT NULL DEFAULT '',
    avatar_url              TEXT NOT NULL DEFAULT '',
    blocked_at              BIGINT NOT NULL DEFAULT 0,
    created_at              BIGINT NOT NULL,
    activity_at             BIGINT NOT NULL,
    conversation_id         TEXT NOT NULL,
    conversation_created_at BIGINT NOT NULL,
    closed_at               BIGINT NOT NULL DEFAULT 0,
    funnel_id               TEXT NOT NULL DEFAULT '',
    assigned_user_id        TEXT NOT NULL DEFAULT '',
    team_id                 TEXT NOT NULL DEFAULT '',
    note                    TEXT NOT NULL DEFAULT '',
    bot_status              TEXT NOT NULL DEFAULT '',
    bot_started_at          BIGINT NOT NULL DEFAULT 0,
    tags                    TEXT NOT NULL DEFAULT '[]',
    custom_fields           TEXT NOT NULL DEFAULT '{}',
    UNIQUE (channel_id, identifier)
);
CREATE INDEX contacts_activity ON contacts(account_id, activity_at DESC, created_at DESC, id DESC);
CREATE INDEX contacts_bsuid ON contacts(account_id, bsuid) WHERE bsuid <> '';
CREATE INDEX contacts_team ON contacts(account_id, team_id, activity_at DESC);

-- contact_tags mirrors contacts.tags for filtering with an index; it copies
-- the contact's list order (activity_at, created_at) so that a tag-filtered
-- page is read off one index instead of sorting every tagged contact.
CREATE TABLE contact_tags (
    contact_id  TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag_id      TEXT NOT NULL REFERENCES tags(id),
    activity_at BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (contact_id, tag_id)
);
CREATE INDEX contact_tags_order ON contact_tags(tag_id, activity_at DESC, created_at DESC, contact_id DESC);

-- contact_counts keeps the number of contacts per list filter dimension
-- ('all', 'source:<type>', 'tag:<id>', 'team:<id>'), so the pages of a
-- filtered list are known without counting every matching row.
CREATE TABLE contact_counts (
    account_id TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, dimension)
);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    contact_id  TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    uuid        TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    system      BIGINT NOT NULL DEFAULT 0,
    text        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    from_addr   TEXT NOT NULL,
    to_addr     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '',
    metadata    TEXT NOT NULL DEFAULT '',
    -- status is the delivery status of an outbound message's send request
    -- (enqueued, sent, delivered, read, failed, mismatch, deleted); '' otherwise.
    status      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX messages_contact ON messages(contact_id, created_at DESC, seq DESC);
CREATE INDEX messages_uuid ON messages(account_id, uuid) WHERE uuid <> '';

CREATE TABLE events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    contact_id TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_account ON events(account_id, id);

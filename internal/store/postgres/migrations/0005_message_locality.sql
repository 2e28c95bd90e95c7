-- Fewer scattered index pages per message (each one is written to the log
-- at commit):

-- The time of a contact's newest received message is kept on the contact,
-- for the 24-hour window check, instead of an index over its messages.
ALTER TABLE contacts ADD COLUMN last_inbound_at BIGINT NOT NULL DEFAULT 0;
UPDATE contacts SET last_inbound_at = COALESCE((SELECT MAX(m.created_at) FROM messages m
    WHERE m.contact_id = contacts.id AND m.kind = 'received'), 0);
DROP INDEX messages_inbound;

-- seq only orders a contact's messages of the same millisecond; it is now one
-- counter over all messages (a new message takes the largest plus one), read
-- off an index whose inserts all land on its last page. Messages of one
-- contact are written one transaction at a time (the contact row is locked),
-- so each sees the seq of the one before.
DROP INDEX messages_seq;
CREATE INDEX messages_seq ON messages(seq);

-- What Callbell tells of a message beyond its text:

-- status_at is when the outbound message took its current delivery status
-- (Unix ms, on the account's clock): the `ts` of messageStatusPayload.
ALTER TABLE messages ADD COLUMN status_at BIGINT NOT NULL DEFAULT 0;
-- template_id names the template an outbound message was sent from ('' for a
-- session message): the `payload.type` of the enqueued status.
ALTER TABLE messages ADD COLUMN template_id TEXT NOT NULL DEFAULT '';
-- details is the JSON of the message's optional objects (messageLocation,
-- messageContactCard, mesageContext, messageForward, messageReplyButton,
-- messageInteractiveList); '' when it has none.
ALTER TABLE messages ADD COLUMN details TEXT NOT NULL DEFAULT '';
UPDATE messages SET status_at = created_at WHERE status <> '';

-- Webhook fairness: the claim takes each account's due streams on their own,
-- up to the account's allowance, so that one account's backlog cannot hold
-- back another's deliveries. It walks the accounts with pending streams
-- (a loose scan of this index) and each one's due streams in time order.
CREATE INDEX webhook_streams_account_due ON webhook_streams(account_id, next_attempt_at, id) WHERE pending > 0;

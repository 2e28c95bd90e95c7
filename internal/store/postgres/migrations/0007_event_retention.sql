-- Events and webhook attempts older than --event-retention are deleted in
-- the background, oldest first (PruneEvents); attempts and finished
-- deliveries have their indexes already (0003).
CREATE INDEX events_created ON events(created_at);
-- An event whose delivery is still pending is kept: the pruner looks the
-- delivery up by its event.
CREATE INDEX webhook_deliveries_pending_event ON webhook_deliveries(event_id) WHERE status = 'pending';

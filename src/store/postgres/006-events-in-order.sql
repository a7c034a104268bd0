-- The PostgreSQL twin of sqlite/006: events are indexed in the order they arrive, by campaign
-- and by time; a report groups a campaign's events by reader itself.
DROP INDEX IF EXISTS events_delivery;

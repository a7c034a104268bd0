-- Every open and click went into events_delivery at a random place: a page of its own to write
-- per event, which was two thirds of the tracker's database time (an insert of a batch of 24:
-- 16–18 µs an event with it, 6 without). Nothing on a hot path needs it. A campaign's report
-- reads the campaign's events through events_campaign and groups them by reader; a burst of
-- clicks to reclassify is seconds old, and events_at finds it.
DROP INDEX IF EXISTS events_delivery;

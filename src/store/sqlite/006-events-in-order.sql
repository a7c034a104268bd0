-- Every open and click went into events_delivery at a random place: a page of its own to write
-- per event, which was two thirds of the tracker's database time (an insert of a batch of 24:
-- 16–18 µs an event with it, 6 without). A campaign's report reads the campaign's events
-- through events_campaign and groups them by reader; a scanner's burst of clicks is marked as a
-- machine's by the ids their writes were given, not found by reader.
DROP INDEX IF EXISTS events_delivery;

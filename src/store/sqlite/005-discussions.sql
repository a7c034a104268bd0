-- A follow-up ("what has changed since?") is a campaign of its own, linked to the first like a
-- reminder. SQLite changes a CHECK only by copying the table; the store runs migrations with
-- foreign keys off, so that the deliveries pointing at campaigns survive the copy.
CREATE TABLE campaigns_new (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL,
  title TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'briefing' CHECK (kind IN ('briefing', 'reminder', 'follow-up')),
  parent_id INTEGER REFERENCES campaigns (id),
  agencies TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('sending', 'paused', 'completed')),
  state_reason TEXT,
  send_by TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sender TEXT,
  sender_until INTEGER
);
INSERT INTO campaigns_new (id, slug, title, content_hash, kind, parent_id, agencies, state, state_reason, send_by, created_at, updated_at, sender, sender_until)
  SELECT id, slug, title, content_hash, kind, parent_id, agencies, state, state_reason, send_by, created_at, updated_at, sender, sender_until FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_new RENAME TO campaigns;
CREATE INDEX campaigns_slug ON campaigns (slug, created_at);

-- The reflective questions a campaign asked, as it was sent: a later change to briefcast.yml or
-- the briefing does not re-label the answers already given.
CREATE TABLE campaign_questions (
  campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
  n INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (campaign_id, n)
);

-- What a team did with a briefing: when they discussed it, how many took part, their answers,
-- the actions they agreed and, later, what changed. One row per version: a second submission
-- supersedes the reader's row (superseded_at) and adds the merged record, so history is kept.
-- delivery_id is the reader's delivery of the briefing's first campaign, NULL where tracking is
-- aggregate (then each submission is a record of its own, with no reader).
-- Answers and actions are JSON: [{n, answer}], [{n, text, owner, due, done}].
CREATE TABLE discussions (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
  delivery_id INTEGER REFERENCES deliveries (id),
  agencies TEXT NOT NULL,
  discussed_on TEXT NOT NULL,
  people INTEGER,
  answers TEXT NOT NULL,
  actions TEXT NOT NULL,
  comment TEXT,
  follow_up TEXT,
  follow_up_on TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  superseded_at INTEGER
);
CREATE INDEX discussions_campaign ON discussions (campaign_id, superseded_at);
-- One current record per reader: two submissions at once cannot both become it.
CREATE UNIQUE INDEX discussions_current ON discussions (campaign_id, delivery_id) WHERE superseded_at IS NULL AND delivery_id IS NOT NULL;

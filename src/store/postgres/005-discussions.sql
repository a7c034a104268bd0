-- The PostgreSQL twin of sqlite/005: follow-up campaigns, the questions a campaign asked, and
-- team discussion records (one row per version; see the SQLite file for why).
ALTER TABLE campaigns DROP CONSTRAINT campaigns_kind_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_kind_check CHECK (kind IN ('briefing', 'reminder', 'follow-up'));

CREATE TABLE campaign_questions (
  campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
  n INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (campaign_id, n)
);

CREATE TABLE discussions (
  id BIGSERIAL PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
  delivery_id BIGINT REFERENCES deliveries (id),
  agencies TEXT NOT NULL,
  discussed_on TEXT NOT NULL,
  people INTEGER,
  answers TEXT NOT NULL,
  actions TEXT NOT NULL,
  comment TEXT,
  follow_up TEXT,
  follow_up_on TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  superseded_at BIGINT
);
CREATE INDEX discussions_campaign ON discussions (campaign_id, superseded_at);
CREATE UNIQUE INDEX discussions_current ON discussions (campaign_id, delivery_id) WHERE superseded_at IS NULL AND delivery_id IS NOT NULL;

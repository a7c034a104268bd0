-- Campaigns and one delivery row per recipient (the PostgreSQL twin of sqlite/001).
CREATE TABLE campaigns (
  id BIGSERIAL PRIMARY KEY,
  slug TEXT NOT NULL,
  title TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'briefing' CHECK (kind IN ('briefing', 'reminder')),
  parent_id BIGINT REFERENCES campaigns (id),
  agencies TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('sending', 'paused', 'completed')),
  state_reason TEXT,
  send_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX campaigns_slug ON campaigns (slug, created_at);

CREATE TABLE deliveries (
  id BIGSERIAL PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
  seq INTEGER NOT NULL,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  agencies TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'suppressed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  last_response TEXT,
  message_id TEXT,
  sent_at BIGINT,
  updated_at BIGINT NOT NULL,
  UNIQUE (campaign_id, email),
  UNIQUE (campaign_id, seq)
);
CREATE INDEX deliveries_due ON deliveries (campaign_id, state, next_attempt_at, seq);

CREATE TABLE suppressions (
  email TEXT PRIMARY KEY,
  reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'hard-bounce')),
  detail TEXT,
  created_at BIGINT NOT NULL
);

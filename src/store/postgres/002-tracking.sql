-- The PostgreSQL twin of sqlite/002: links as sent, events, acknowledgements, page views.
CREATE TABLE campaign_links (
  campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
  n INTEGER NOT NULL,
  url TEXT NOT NULL,
  text TEXT NOT NULL,
  lesson INTEGER,
  PRIMARY KEY (campaign_id, n)
);

-- Opens, clicks, web views, acknowledgements, unsubscribes. delivery_id is NULL when tracking is
-- aggregate: then an event names only the campaign, the agencies and the link.
CREATE TABLE events (
  id BIGSERIAL PRIMARY KEY,
  campaign_id BIGINT NOT NULL,
  delivery_id BIGINT,
  agencies TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('open', 'click', 'view', 'ack', 'unsubscribe')),
  link INTEGER,
  class TEXT NOT NULL CHECK (class IN ('human', 'machine')),
  reason TEXT,
  user_agent TEXT,
  ip_prefix TEXT,
  at BIGINT NOT NULL
);
CREATE INDEX events_campaign ON events (campaign_id, kind);
CREATE INDEX events_delivery ON events (delivery_id, kind, at);
CREATE INDEX events_at ON events (at);

-- "I have read this briefing": one row per recipient (or per pseudonymous key when aggregate).
CREATE TABLE acknowledgements (
  ack_key TEXT PRIMARY KEY,
  campaign_id BIGINT NOT NULL,
  delivery_id BIGINT,
  agencies TEXT NOT NULL,
  shared INTEGER,
  comment TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX acknowledgements_campaign ON acknowledgements (campaign_id);

-- Views of the public pages, counted per day with no cookie and no identity.
CREATE TABLE page_views (
  slug TEXT NOT NULL,
  day TEXT NOT NULL,
  class TEXT NOT NULL,
  views INTEGER NOT NULL,
  PRIMARY KEY (slug, day, class)
);

-- Bounces that arrive after the relay accepted a message. A table of their own, which the reports
-- join, rather than a new delivery state: SQLite cannot change the deliveries CHECK in place, and
-- rebuilding that table would fight every other migration that adds a column to it.
CREATE TABLE bounces (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
  -- mailbox: 5.1.x, the address is gone; temporary: 4.x.x and 5.2.2 (full); rejected: any other 5.x.x.
  kind TEXT NOT NULL CHECK (kind IN ('mailbox', 'temporary', 'rejected')),
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- The bounce message's own Message-ID: reading the same bounce twice records it once.
  source TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (delivery_id, source)
);
-- A bounce that lost its return address is matched by the Message-ID it quotes.
CREATE INDEX deliveries_message_id ON deliveries (message_id);
-- "N temporary failures in a row" looks at one address's deliveries across campaigns.
CREATE INDEX deliveries_email ON deliveries (email COLLATE NOCASE, sent_at);

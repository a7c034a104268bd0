-- Who holds a claimed row: a resume takes back only rows whose owner's lease ended, never a live sender's.
ALTER TABLE deliveries ADD COLUMN owner TEXT;
-- A mailbox that does not exist: --retry-failed leaves these; every other failure may be retried.
ALTER TABLE deliveries ADD COLUMN permanent INTEGER NOT NULL DEFAULT 0;
-- The sender running the campaign and how long it holds it: a second sender joins, never steals.
ALTER TABLE campaigns ADD COLUMN sender TEXT;
ALTER TABLE campaigns ADD COLUMN sender_until BIGINT;

-- What a campaign sends, written when it is planned: resumes, workers and reminders read it from
-- here, so what was previewed is what goes and no sender needs the briefings or the renderer.
-- Keyed by the recipients' agency set ('*': every set) so that content per agency needs no migration.
CREATE TABLE campaign_content (
  campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
  agencies TEXT NOT NULL,
  subject TEXT NOT NULL,
  -- The slotted email and its text part as JSON ({parts, names}), filled per reader.
  html TEXT NOT NULL,
  text TEXT NOT NULL,
  web_url TEXT NOT NULL,
  tracked INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, agencies)
);

-- A random part in every Message-ID, so that a fresh install never repeats an earlier one's.
CREATE TABLE install (id TEXT NOT NULL);
INSERT INTO install (id) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 16));

-- Suppressions added by hand (briefcast suppressions add).
ALTER TABLE suppressions DROP CONSTRAINT suppressions_reason_check;
ALTER TABLE suppressions ADD CONSTRAINT suppressions_reason_check CHECK (reason IN ('unsubscribed', 'hard-bounce', 'manual'));

-- Several senders on one campaign: a claimed row carries a lease; when it expires (its
-- worker died) the row may be claimed again. claimed_at counts sends for the rate window.
ALTER TABLE deliveries ADD COLUMN lease_until BIGINT;
ALTER TABLE deliveries ADD COLUMN claimed_at BIGINT;
CREATE INDEX deliveries_claimed ON deliveries (claimed_at);

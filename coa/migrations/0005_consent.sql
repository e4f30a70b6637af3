-- balie-coa schema, version 5 (issue 16): residents' consent decisions as the terminals deliver them
-- (POST /v1/consent). COA acts on them (it shares the PID, the blauwe map, with the gekoppelde
-- gemeente only while the resident's consent is in force) and serves the current state back in the
-- residents feed, so every terminal at the location knows it. Idempotent by record id. Forward only.

CREATE TABLE consent_events (
  record_id     uuid PRIMARY KEY,
  resident_id   text NOT NULL CHECK (resident_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  purpose       text NOT NULL CHECK (purpose ~ '^[A-Za-z0-9._-]{1,48}$'),
  decision      text NOT NULL CHECK (decision IN ('given', 'refused', 'withdrawn')),
  decided_at    timestamptz NOT NULL,
  expires_at    timestamptz,
  text_version  text NOT NULL CHECK (text_version ~ '^[A-Za-z0-9._-]{1,128}$'),
  device_id     text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((decision = 'given') = (expires_at IS NOT NULL)),
  CHECK (expires_at IS NULL OR expires_at > decided_at)
);
CREATE INDEX consent_events_resident ON consent_events(resident_id, purpose, decided_at DESC);

-- The current decision per resident and purpose: the latest decided (record id breaks a tie).
CREATE VIEW resident_consent_current AS
  SELECT DISTINCT ON (resident_id, purpose) resident_id, purpose, decision, decided_at, expires_at, record_id,
         text_version, device_id
  FROM consent_events ORDER BY resident_id, purpose, decided_at DESC, record_id DESC;

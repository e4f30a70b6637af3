-- balie-coa schema, version 2: signed A/B update bundles (image/bundle.sh format), kept in the database
-- in 1 MiB chunks so that every balie-coa instance can serve them; their rollouts through rings (named
-- canary devices, then a percentage of the fleet, then all) with an automatic halt on roll-backs; and
-- what each terminal reports per update (coa/src/updates.cpp). Forward only, like 0001.

CREATE TABLE updates (
  id           bigserial PRIMARY KEY,
  version      bigint NOT NULL UNIQUE CHECK (version >= 0),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),   -- of the whole bundle file
  size         bigint NOT NULL CHECK (size > 0),
  manifest     jsonb NOT NULL,                                   -- the bundle's manifest, parsed
  uploaded_by  text NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now()
);

-- The bundle's bytes: chunk idx covers [idx * 1 MiB, (idx + 1) * 1 MiB). Written in the same
-- transaction as the updates row, so an update is either whole or absent.
CREATE TABLE update_chunks (
  update_id  bigint NOT NULL REFERENCES updates(id),
  idx        integer NOT NULL CHECK (idx >= 0),
  data       bytea NOT NULL,
  PRIMARY KEY (update_id, idx)
);
-- squashfs and signed UKIs do not compress: store out of line without trying.
ALTER TABLE update_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- One rollout per update. stage: canary (only canary_devices), percent (canary_devices and the
-- devices whose stable hash falls below `percent`), all, halted (by an operator or by the roll-back
-- rule), done (a newer rollout replaced it); stopped_in keeps the stage a halted or done rollout
-- stopped in (its devices may still report what happened to them). The halt rule:
-- roll-backs since stage_started_at >= max(halt_min_count, halt_threshold * devices reporting since then).
CREATE TABLE rollouts (
  update_id         bigint PRIMARY KEY REFERENCES updates(id),
  stage             text NOT NULL CHECK (stage IN ('canary', 'percent', 'all', 'halted', 'done')),
  percent           integer NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
  canary_devices    text[] NOT NULL DEFAULT '{}',
  halt_threshold    double precision NOT NULL DEFAULT 0.2 CHECK (halt_threshold > 0 AND halt_threshold <= 1),
  halt_min_count    integer NOT NULL DEFAULT 2 CHECK (halt_min_count >= 1),
  stopped_in        text CHECK (stopped_in IN ('canary', 'percent', 'all')),
  halt_reason       text NOT NULL DEFAULT '',
  stage_started_at  timestamptz NOT NULL DEFAULT now(),
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  changed_by        text NOT NULL,
  changed_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((stage IN ('halted', 'done')) = (stopped_in IS NOT NULL))
);

-- Every state a terminal reported for an update; the latest per device is update_device_states.
CREATE TABLE update_reports (
  id         bigserial PRIMARY KEY,
  device_id  text NOT NULL REFERENCES devices(device_id),
  update_id  bigint NOT NULL REFERENCES updates(id),
  state      text NOT NULL CHECK (state IN ('downloaded', 'installed', 'blessed', 'rolled_back')),
  at         timestamptz NOT NULL DEFAULT now(),
  detail     text NOT NULL DEFAULT '' CHECK (length(detail) <= 500)
);
CREATE INDEX update_reports_latest ON update_reports(update_id, device_id, id DESC);
CREATE INDEX update_reports_device ON update_reports(device_id, id DESC);

CREATE VIEW update_device_states AS
  SELECT DISTINCT ON (update_id, device_id) update_id, device_id, state, at, detail
  FROM update_reports ORDER BY update_id, device_id, id DESC;

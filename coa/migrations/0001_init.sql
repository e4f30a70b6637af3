-- balie-coa schema, version 1: locations, COA operators, enrolment codes, devices and their
-- certificates, per-location configuration, residents with their koppeling (change sequence for the
-- terminals' cursor), health history and alerts, and the audit trail. Applied by balie-coa at start
-- (coa/src/migrate.cpp); migrations are forward only and never edited once released.

CREATE TABLE locations (
  id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Last change number of this location's residents. A resident change takes the next number while
  -- holding this row's lock, so numbers commit in order and a terminal's cursor never skips one.
  resident_seq bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operators (
  id             text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
  display_name   text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  password_hash  text NOT NULL,               -- libsodium crypto_pwhash_str (Argon2id)
  active         boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operator_sessions (
  token_sha256  text PRIMARY KEY,             -- hex SHA-256 of the cookie value; the value itself is never stored
  operator_id   text NOT NULL REFERENCES operators(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);

-- One-time login links printed by `balie-coa operator link` on the server (the browser tests use them).
CREATE TABLE operator_links (
  token_sha256  text PRIMARY KEY,
  operator_id   text NOT NULL REFERENCES operators(id),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);

CREATE TABLE enrolment_codes (
  code_sha256   text PRIMARY KEY,             -- the code is shown once to the operator, never stored
  code_hint     text NOT NULL,                -- last 4 characters, for the operator's list
  location_id   text NOT NULL REFERENCES locations(id),
  created_by    text NOT NULL REFERENCES operators(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  used_by       text                          -- device id
);

CREATE SEQUENCE device_serial START 1000;

CREATE TABLE devices (
  device_id        text PRIMARY KEY CHECK (device_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  location_id      text NOT NULL REFERENCES locations(id),
  ed25519_pk       text NOT NULL UNIQUE CHECK (ed25519_pk ~ '^[0-9a-f]{64}$'),
  tls_pin          text NOT NULL UNIQUE,      -- "sha256//<base64>" of the certificate's public key
  cert_serial      bigint NOT NULL UNIQUE,
  cert_pem         text NOT NULL,
  enrolled_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at       timestamptz,
  revoke_reason    text
);
CREATE INDEX devices_location ON devices(location_id);

-- Versioned configuration per location: staff, routes (with two pins), texts, NTP, sync window. The
-- document is the bundle payload without its device part; a terminal's bundle_version is this version.
CREATE TABLE location_configs (
  location_id   text NOT NULL REFERENCES locations(id),
  version       bigint NOT NULL CHECK (version >= 1),
  config        jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL,
  PRIMARY KEY (location_id, version)
);

-- Every bundle served to a device (what each terminal was sent; the terminal reports what it applied).
CREATE TABLE device_bundles (
  device_id       text NOT NULL REFERENCES devices(device_id),
  bundle_version  bigint NOT NULL,
  sha256          text NOT NULL,
  issued_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, bundle_version)
);

-- Residents and their koppeling. COA is the routing authority: gemeentecode here is the only source
-- of a terminal's routing. change_seq (per location, from locations.resident_seq) orders every change
-- for the terminals' incremental cursor.
CREATE TABLE residents (
  id                  text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
  location_id         text NOT NULL REFERENCES locations(id),
  naam_latijns        text NOT NULL CHECK (length(naam_latijns) BETWEEN 1 AND 200),
  naam_eigen_schrift  text NOT NULL DEFAULT '' CHECK (length(naam_eigen_schrift) <= 200),
  v_nummer            text NOT NULL CHECK (v_nummer ~ '^[0-9]{10}$'),
  geboortedatum       date NOT NULL,
  kamer               text NOT NULL DEFAULT '' CHECK (length(kamer) <= 32),
  regime              text NOT NULL CHECK (regime IN ('Wi2021', 'Wi2013', 'Wi2007')),
  gemeentecode        text CHECK (gemeentecode ~ '^GM[0-9]{4}$'),   -- NULL: not yet linked (records are held)
  gekoppeld_sinds     date,
  active              boolean NOT NULL DEFAULT true,                -- false: left this location (terminals delete)
  change_seq          bigint NOT NULL,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((gemeentecode IS NULL) = (gekoppeld_sinds IS NULL))
);
CREATE INDEX residents_cursor ON residents(location_id, change_seq);

-- A resident who moved to another location: the old location's terminals read active=false in its
-- feed at this change number and delete what they hold of them.
CREATE TABLE resident_withdrawals (
  location_id  text NOT NULL REFERENCES locations(id),
  resident_id  text NOT NULL,
  change_seq   bigint NOT NULL,
  PRIMARY KEY (location_id, resident_id)
);
CREATE INDEX resident_withdrawals_cursor ON resident_withdrawals(location_id, change_seq);

CREATE TABLE health_reports (
  id           bigserial PRIMARY KEY,
  device_id    text NOT NULL REFERENCES devices(device_id),
  received_at  timestamptz NOT NULL DEFAULT now(),
  generated_at timestamptz NOT NULL,
  document     jsonb NOT NULL
);
CREATE INDEX health_reports_device ON health_reports(device_id, received_at DESC);

CREATE TABLE alerts (
  id          bigserial PRIMARY KEY,
  device_id   text NOT NULL REFERENCES devices(device_id),
  kind        text NOT NULL,   -- no_pass, deadline_near, clock_offset, disk_full, rolled_back, unlock_failed, revoked
  detail      text NOT NULL DEFAULT '',
  raised_at   timestamptz NOT NULL DEFAULT now(),
  cleared_at  timestamptz
);
-- At most one open alert of a kind per device.
CREATE UNIQUE INDEX alerts_open ON alerts(device_id, kind) WHERE cleared_at IS NULL;

CREATE TABLE audit (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,     -- operator id, device id or "balie-coa"
  action    text NOT NULL,
  detail    text NOT NULL DEFAULT ''
);

-- balie-coa schema, version 6: terminals report decided_at in whole seconds, so a consent given and
-- withdrawn within one second tied and the random record id chose the current decision. Now the more
-- protective decision wins a tie (refused or withdrawn over given), then the one received later; the
-- terminals apply the same rule (store/src/consent.cpp). Forward only.
CREATE OR REPLACE VIEW resident_consent_current AS
  SELECT DISTINCT ON (resident_id, purpose) resident_id, purpose, decision, decided_at, expires_at, record_id,
         text_version, device_id
  FROM consent_events
  ORDER BY resident_id, purpose, decided_at DESC, (decision = 'given') ASC, received_at DESC, record_id DESC;

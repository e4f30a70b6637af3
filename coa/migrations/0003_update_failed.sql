-- balie-coa schema, version 3: a terminal can report that its installer refused a delivered update
-- ("failed": the bundle did not verify on the terminal, the slot did not verify after writing, or the
-- version is not newer than the running one). It counts with roll-backs in the halt rule
-- (coa/src/updates.cpp). Forward only, like 0001 and 0002.

ALTER TABLE update_reports DROP CONSTRAINT update_reports_state_check;
ALTER TABLE update_reports ADD CONSTRAINT update_reports_state_check
  CHECK (state IN ('downloaded', 'installed', 'blessed', 'rolled_back', 'failed'));

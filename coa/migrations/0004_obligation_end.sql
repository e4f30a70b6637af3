-- balie-coa schema, version 4 (issue 16, obligations that end): COA staff can withdraw a resident
-- because the obligation was wrongly imposed (obligation_withdrawn) or the regime was corrected
-- (regime_corrected). The row stays inactive with the reason; the residents feed carries the reason,
-- and the terminals then drop the resident's unsent records and ask the receivers to delete what they
-- hold. Any later change of the resident (resident put) clears the reason. Forward only.

ALTER TABLE residents ADD COLUMN withdrawal_reason text
  CHECK (withdrawal_reason IN ('obligation_withdrawn', 'regime_corrected'));
ALTER TABLE residents ADD CONSTRAINT residents_withdrawal_inactive
  CHECK (withdrawal_reason IS NULL OR NOT active);

CREATE FUNCTION residents_clear_withdrawal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.withdrawal_reason IS NOT DISTINCT FROM OLD.withdrawal_reason AND NEW.change_seq <> OLD.change_seq THEN
    NEW.withdrawal_reason := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER residents_clear_withdrawal BEFORE UPDATE ON residents
  FOR EACH ROW EXECUTE FUNCTION residents_clear_withdrawal();

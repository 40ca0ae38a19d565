-- A challenge to the process names the step it is about; its 7 working days run from the
-- end of that step (政府采购法实施条例 art. 53). NULL on challenges to the documents or the
-- result, and on process challenges filed before steps were asked (they ran from the opening).
ALTER TABLE challenges ADD COLUMN step TEXT;

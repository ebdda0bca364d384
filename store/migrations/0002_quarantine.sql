-- An event whose time was not trusted where it entered (issue 14: too far
-- from the receiver's clock, or from its neighbours in an import) is kept
-- as evidence and marked, so a replay quarantines exactly the same events:
-- the fold counts it and never lets its time move the clock.
ALTER TABLE events ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1));

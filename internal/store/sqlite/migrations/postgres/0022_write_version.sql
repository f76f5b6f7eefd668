-- write_version counts committed write batches: the group committer bumps
-- it inside every batch's transaction, just before COMMIT, so it moves in
-- the same commit as the writes it stands for, whichever process or replica
-- made them. The availability service caches computed grids against it
-- (and catalog_version): a grid cached before a booking, a cancellation, a
-- hold or a waiting-list change is never served after that commit. One
-- UPDATE per batch, not per booking: the booking path pays nothing per row,
-- unlike triggers on slot_usage, holds and waitlist_entries would.
CREATE TABLE write_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO write_version (id, version) VALUES (1, 0);

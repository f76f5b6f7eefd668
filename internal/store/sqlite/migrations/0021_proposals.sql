-- Other dates proposed by the office (booking.Proposal) and the meeting
-- link an operator sets on one video-call booking.
--
-- A proposal offers up to five alternative slots for a booking. Each is
-- held as a row of holds (in the proposing operator's name, expiring with
-- the proposal), so the seats count as held in slot_usage and nobody else
-- can take them; alternatives is a JSON array of
-- {"hold_id","start_ms","end_ms","operator_id"}. status: 1 pending,
-- 2 accepted, 3 declined, 4 expired, 5 withdrawn (the booking was cancelled
-- or moved otherwise). token_hash is the SHA-256 of the e-mail links'
-- secret.
CREATE TABLE booking_proposals (
    id               TEXT PRIMARY KEY,
    booking_id       TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    status           INTEGER NOT NULL,
    message          TEXT NOT NULL DEFAULT '',
    alternatives     TEXT NOT NULL,
    token_hash       BLOB NOT NULL,
    proposed_by      TEXT NOT NULL DEFAULT '',
    proposed_by_name TEXT NOT NULL DEFAULT '',
    created_at_ms    INTEGER NOT NULL,
    expires_at_ms    INTEGER NOT NULL,
    decided_at_ms    INTEGER,
    chosen           INTEGER NOT NULL DEFAULT 0, -- 1-based alternative accepted
    new_booking_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX booking_proposals_booking ON booking_proposals(booking_id, created_at_ms);
CREATE INDEX booking_proposals_lapse ON booking_proposals(status, expires_at_ms);

-- A history line that is not a status change (a proposal made, declined,
-- lapsed; a meeting link set) names its event; webhooks skip such lines.
ALTER TABLE booking_history ADD COLUMN event TEXT NOT NULL DEFAULT '';

-- The link an operator set for one video-call booking; it overrides the
-- resource's configured meeting. '' when none.
ALTER TABLE bookings ADD COLUMN meeting_url TEXT NOT NULL DEFAULT '';

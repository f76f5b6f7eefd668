-- Waiting lists of full event slots (booking.WaitEntry). position orders
-- a slot's list (first come, first served); it is drawn inside the joining
-- transaction as the slot's highest + 1, so the order is the order in which
-- the joins committed. state: 1 waiting, 2 offered (hold_id is the offer's
-- hold), 3 converted (booking_id), 4 lapsed (the offer expired), 5
-- declined, 6 left, 7 closed (the slot stopped being bookable first).
CREATE TABLE waitlist_entries (
    id                  TEXT PRIMARY KEY,
    organization_id     TEXT NOT NULL REFERENCES organizations(id),
    resource_id         TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    slot_start_ms       INTEGER NOT NULL,
    slot_end_ms         INTEGER NOT NULL,
    position            INTEGER NOT NULL,
    account_id          TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    seats               INTEGER NOT NULL CHECK (seats > 0),
    state               INTEGER NOT NULL,
    joined_at_ms        INTEGER NOT NULL,
    hold_id             TEXT,
    offered_at_ms       INTEGER,
    offer_expires_at_ms INTEGER,
    booking_id          TEXT,
    ended_at_ms         INTEGER,
    UNIQUE (resource_id, slot_start_ms, position)
);
-- One live entry per person and slot.
CREATE UNIQUE INDEX waitlist_one_per_person ON waitlist_entries(resource_id, slot_start_ms, account_id) WHERE state IN (1, 2);
CREATE INDEX waitlist_live ON waitlist_entries(state, resource_id, slot_start_ms);
CREATE INDEX waitlist_account ON waitlist_entries(account_id, slot_start_ms);
CREATE INDEX waitlist_hold ON waitlist_entries(hold_id);
CREATE INDEX waitlist_org ON waitlist_entries(organization_id, slot_start_ms);

-- How long a waiting-list offer holds its seats (catalog.Policy.WaitlistOffer).
ALTER TABLE resources ADD COLUMN waitlist_offer_s INTEGER NOT NULL DEFAULT 0;

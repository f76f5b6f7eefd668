-- Booking: capacity counters, holds, bookings with their history, and the
-- notification outbox written in the same transactions.

-- One row per (resource, slot start, operator) that was ever held or
-- booked. Holds and bookings both count in taken; held is the part of taken
-- that is still a hold. A hold takes seats with a conditional update
-- (taken + n <= capacity), so concurrent requests can never oversell.
-- Events use operator_id ''. Appointments have one row per operator, with
-- capacity 1.
CREATE TABLE slot_usage (
    resource_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    start_ms    INTEGER NOT NULL,
    operator_id TEXT NOT NULL DEFAULT '',
    capacity    INTEGER NOT NULL,
    taken       INTEGER NOT NULL DEFAULT 0,
    held        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (resource_id, start_ms, operator_id),
    CHECK (taken >= 0 AND held >= 0 AND held <= taken)
) WITHOUT ROWID;

-- Holds. A confirmed or released hold is deleted in the transaction that
-- moves or frees its seats; an expired one is freed and kept a day as a
-- tombstone (released_at_ms), so its owner learns "expired", not "unknown".
CREATE TABLE holds (
    id            TEXT PRIMARY KEY,
    resource_id   TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    operator_id   TEXT NOT NULL DEFAULT '',
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL,
    slot_starts   TEXT NOT NULL, -- JSON array of slot start instants (ms)
    seats         INTEGER NOT NULL CHECK (seats > 0),
    expires_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    released_at_ms INTEGER
);
CREATE INDEX holds_expiry ON holds(released_at_ms, expires_at_ms);
CREATE INDEX holds_account ON holds(account_id, expires_at_ms);
CREATE INDEX holds_resource ON holds(resource_id, start_ms);

CREATE TABLE bookings (
    id                   TEXT PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    organization_id      TEXT NOT NULL REFERENCES organizations(id),
    resource_id          TEXT NOT NULL REFERENCES resources(id),
    operator_id          TEXT NOT NULL DEFAULT '',
    start_ms             INTEGER NOT NULL,
    end_ms               INTEGER NOT NULL,
    slot_starts          TEXT NOT NULL, -- JSON array of slot start instants (ms)
    seats                INTEGER NOT NULL CHECK (seats > 0),
    mode                 INTEGER NOT NULL DEFAULT 1,
    status               INTEGER NOT NULL,
    booker_account_id    TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    booked_by_staff      INTEGER NOT NULL DEFAULT 0,
    on_behalf            INTEGER NOT NULL DEFAULT 0, -- booker books for someone else ("conto terzi")
    given_name           TEXT NOT NULL,
    family_name          TEXT NOT NULL,
    codice_fiscale       TEXT NOT NULL,
    birth_date           TEXT NOT NULL DEFAULT '',
    birth_place          TEXT NOT NULL DEFAULT '',
    email                TEXT NOT NULL,
    phone                TEXT NOT NULL DEFAULT '',
    reason               TEXT NOT NULL DEFAULT '',
    notes                TEXT NOT NULL DEFAULT '',
    language             TEXT NOT NULL DEFAULT 'it',
    privacy_consent_ms   INTEGER NOT NULL,
    push_consent_ms      INTEGER,
    cancel_token_hash    BLOB NOT NULL UNIQUE,
    idempotency_key      TEXT NOT NULL,
    rescheduled_from_id  TEXT REFERENCES bookings(id),
    rescheduled_to_id    TEXT REFERENCES bookings(id),
    created_at_ms        INTEGER NOT NULL,
    updated_at_ms        INTEGER NOT NULL,
    anonymized_at_ms     INTEGER
);
-- A retried confirm with the same key finds the booking it already made.
CREATE UNIQUE INDEX bookings_idempotency ON bookings(booker_account_id, idempotency_key);
CREATE INDEX bookings_resource_start ON bookings(resource_id, start_ms);
CREATE INDEX bookings_org_start ON bookings(organization_id, start_ms);
CREATE INDEX bookings_person ON bookings(codice_fiscale, status, end_ms);
CREATE INDEX bookings_booker ON bookings(booker_account_id, start_ms);

CREATE TABLE booking_acknowledgements (
    booking_id         TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    acknowledgement_id TEXT NOT NULL,
    text               TEXT NOT NULL,
    accepted_at_ms     INTEGER NOT NULL,
    PRIMARY KEY (booking_id, acknowledgement_id)
);

CREATE TABLE booking_history (
    id          INTEGER PRIMARY KEY,
    booking_id  TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    status      INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    actor_kind  INTEGER NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX booking_history_booking ON booking_history(booking_id, id);

-- Transactional outbox: a message row is written in the same transaction as
-- the change that causes it, so a crash can neither lose nor invent it.
-- Scheduled messages (reminders, expiry warnings) are rows with a future
-- due time.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,     -- "booking.confirmed", "booking.reminder", ...
    booking_id      TEXT,
    subject_key     TEXT NOT NULL DEFAULT '', -- groups rows cancelled together (e.g. a booking's reminders)
    payload         TEXT NOT NULL,     -- JSON
    due_at_ms       INTEGER NOT NULL,
    status          INTEGER NOT NULL DEFAULT 0, -- 0 pending, 1 sent, 2 failed, 3 cancelled
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    locked_until_ms INTEGER NOT NULL DEFAULT 0,
    created_at_ms   INTEGER NOT NULL,
    sent_at_ms      INTEGER
);
CREATE INDEX outbox_due ON outbox(status, due_at_ms);
CREATE INDEX outbox_subject ON outbox(subject_key, status);

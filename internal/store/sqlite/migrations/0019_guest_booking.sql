-- Booking without an account (issue #16): a resource may take guests
-- (catalog.GuestBooking: 0 no, 1 name and e-mail, 2 also codice fiscale).
ALTER TABLE resources ADD COLUMN guest_booking INTEGER NOT NULL DEFAULT 0;

-- A guest's hold belongs to no account: account_id becomes nullable.
-- SQLite cannot drop NOT NULL, so the table is rebuilt (nothing references
-- it; holds live minutes, the copy is small).
CREATE TABLE holds_new (
    id            TEXT PRIMARY KEY,
    resource_id   TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    account_id    TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    operator_id   TEXT NOT NULL DEFAULT '',
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL,
    slot_starts   TEXT NOT NULL,
    seats         INTEGER NOT NULL CHECK (seats > 0),
    expires_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    released_at_ms INTEGER,
    first_free_ms INTEGER
);
INSERT INTO holds_new (id, resource_id, account_id, operator_id, start_ms, end_ms, slot_starts, seats, expires_at_ms,
    created_at_ms, released_at_ms, first_free_ms)
SELECT id, resource_id, account_id, operator_id, start_ms, end_ms, slot_starts, seats, expires_at_ms,
    created_at_ms, released_at_ms, first_free_ms FROM holds;
DROP TABLE holds;
ALTER TABLE holds_new RENAME TO holds;
CREATE INDEX holds_expiry ON holds(released_at_ms, expires_at_ms);
CREATE INDEX holds_account ON holds(account_id, expires_at_ms);
CREATE INDEX holds_resource ON holds(resource_id, start_ms);
CREATE INDEX holds_operator ON holds(operator_id, start_ms) WHERE operator_id != '';

-- A guest booking waiting for its e-mail code: the guest's data, the
-- hold keeping the seats, the code (SHA-256 of id and code, never the
-- code), its wrong tries. booking_id is set once confirmed. Rows are
-- deleted a day after creation.
CREATE TABLE guest_bookings (
    id                 TEXT PRIMARY KEY,
    resource_id        TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    hold_id            TEXT NOT NULL,
    email              TEXT NOT NULL,
    given_name         TEXT NOT NULL,
    family_name        TEXT NOT NULL,
    codice_fiscale     TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    notes              TEXT NOT NULL DEFAULT '',
    mode               INTEGER NOT NULL DEFAULT 0,
    ack_ids            TEXT NOT NULL DEFAULT '[]', -- JSON array
    language           TEXT NOT NULL DEFAULT 'it',
    client_addr        TEXT NOT NULL DEFAULT '',
    idempotency_key    TEXT NOT NULL,
    code_hash          BLOB NOT NULL,
    code_expires_at_ms INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    booking_id         TEXT,
    confirm_key        TEXT NOT NULL DEFAULT '',
    created_at_ms      INTEGER NOT NULL
);
-- A retried start with the same key finds its guest booking.
CREATE UNIQUE INDEX guest_bookings_key ON guest_bookings(email, idempotency_key);
-- Starts per client address in the last hour (abuse limit, counted in the
-- database so every replica sees the same count).
CREATE INDEX guest_bookings_addr ON guest_bookings(client_addr, created_at_ms);
CREATE INDEX guest_bookings_created ON guest_bookings(created_at_ms);

-- Codes sent per e-mail address in the last hour (abuse limit).
CREATE TABLE guest_codes (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL,
    sent_at_ms INTEGER NOT NULL
);
CREATE INDEX guest_codes_email ON guest_codes(email, sent_at_ms);

-- Per-person limits of guests without a codice fiscale count by e-mail.
CREATE INDEX bookings_email ON bookings(lower(email), status, end_ms);

-- Booking without an account (issue #16): a resource may take guests
-- (catalog.GuestBooking: 0 no, 1 name and e-mail, 2 also codice fiscale).
ALTER TABLE resources ADD COLUMN guest_booking BIGINT NOT NULL DEFAULT 0;

-- A guest's hold belongs to no account.
ALTER TABLE holds ALTER COLUMN account_id DROP NOT NULL;

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
    mode               BIGINT NOT NULL DEFAULT 0,
    ack_ids            TEXT NOT NULL DEFAULT '[]', -- JSON array
    language           TEXT NOT NULL DEFAULT 'it',
    client_addr        TEXT NOT NULL DEFAULT '',
    idempotency_key    TEXT NOT NULL,
    code_hash          BYTEA NOT NULL,
    code_expires_at_ms BIGINT NOT NULL,
    attempts           BIGINT NOT NULL DEFAULT 0,
    booking_id         TEXT,
    confirm_key        TEXT NOT NULL DEFAULT '',
    created_at_ms      BIGINT NOT NULL
);
CREATE UNIQUE INDEX guest_bookings_key ON guest_bookings(email, idempotency_key);
CREATE INDEX guest_bookings_addr ON guest_bookings(client_addr, created_at_ms);
CREATE INDEX guest_bookings_created ON guest_bookings(created_at_ms);

-- Codes sent per e-mail address in the last hour (abuse limit).
CREATE TABLE guest_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      TEXT NOT NULL,
    sent_at_ms BIGINT NOT NULL
);
CREATE INDEX guest_codes_email ON guest_codes(email, sent_at_ms);

-- Per-person limits of guests without a codice fiscale count by e-mail.
CREATE INDEX bookings_email ON bookings(lower(email), status, end_ms);

-- Tickets and gates: signing keys, issued tickets with their gate state,
-- revocations, scanner enrollment codes and the scan log.

-- Ed25519 signing keys. The private key never leaves the server; scanners
-- receive public keys by key id. Retired keys stop verifying after
-- retired_at_ms.
CREATE TABLE ticket_keys (
    id            TEXT PRIMARY KEY,
    public_key    BYTEA NOT NULL,
    private_key   BYTEA,
    created_at_ms BIGINT NOT NULL,
    retired_at_ms BIGINT
);

-- One ticket per ticketed booking; it admits all the booking's seats.
-- state: 1 issued, 2 inside, 3 exited, 4 expired, 5 revoked.
CREATE TABLE tickets (
    id              TEXT PRIMARY KEY,
    booking_id      TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    resource_id     TEXT NOT NULL REFERENCES resources(id),
    key_id          TEXT NOT NULL,
    seats           BIGINT NOT NULL,
    slot_start_ms   BIGINT NOT NULL,
    valid_from_ms   BIGINT NOT NULL,
    valid_until_ms  BIGINT NOT NULL,
    max_stay_s      BIGINT NOT NULL DEFAULT 0,
    state           BIGINT NOT NULL DEFAULT 1,
    entered_at_ms   BIGINT,
    expires_at_ms   BIGINT,
    exited_at_ms    BIGINT,
    revoked_at_ms   BIGINT,
    revoke_reason   TEXT NOT NULL DEFAULT '',
    version         BIGINT NOT NULL DEFAULT 1, -- bumped on every state change, for sync cursors
    updated_at_ms   BIGINT NOT NULL
);
CREATE INDEX tickets_booking ON tickets(booking_id);
CREATE INDEX tickets_resource_slot ON tickets(resource_id, slot_start_ms);
CREATE INDEX tickets_revoked ON tickets(revoked_at_ms) WHERE revoked_at_ms IS NOT NULL;
CREATE INDEX tickets_updated ON tickets(updated_at_ms);

-- One-time, short-lived codes traded by a scanner for its credential.
CREATE TABLE device_enrollments (
    code_hash       BYTEA PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    direction       BIGINT NOT NULL,
    resource_ids    TEXT NOT NULL, -- JSON array
    created_by      TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    expires_at_ms   BIGINT NOT NULL,
    used_at_ms      BIGINT,
    device_id       TEXT
);

-- Every scan, online or uploaded later; scan_id (client-generated) makes
-- uploads idempotent. Conflicting offline scans are kept and flagged.
CREATE TABLE scans (
    id               TEXT PRIMARY KEY,
    device_id        TEXT NOT NULL REFERENCES devices(id),
    organization_id  TEXT NOT NULL,
    ticket_id        TEXT,
    resource_id      TEXT,
    direction        BIGINT NOT NULL,
    scanned_at_ms    BIGINT NOT NULL, -- device clock
    received_at_ms   BIGINT NOT NULL, -- server clock
    offline          BIGINT NOT NULL DEFAULT 0,
    verdict          BIGINT NOT NULL,
    reason           BIGINT NOT NULL,
    reason_text      TEXT NOT NULL DEFAULT '', -- ScanReason name without prefix ("ALREADY_INSIDE")
    local_verdict    BIGINT,
    local_reason     TEXT,
    conflict         BIGINT NOT NULL DEFAULT 0,
    seats            BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scans_ticket ON scans(ticket_id, scanned_at_ms);
CREATE INDEX scans_org_time ON scans(organization_id, received_at_ms);
CREATE INDEX scans_conflicts ON scans(organization_id, conflict) WHERE conflict = 1;

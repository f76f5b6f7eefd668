-- App IO, the channel beside e-mail and Web Push. A citizen may turn it
-- off for Varco's messages (besides the switch IO itself has per service).
ALTER TABLE accounts ADD COLUMN app_io_opt_out INTEGER NOT NULL DEFAULT 0;

-- Every attempt to deliver an outbox message through App IO, with IO's
-- answer: 201 sent (io_message_id set), 404 no IO profile, 403 sender not
-- allowed, 429/5xx retried, 0 when no answer came. No personal data: the
-- outbox message leads to the booking.
CREATE TABLE app_io_attempts (
    id              TEXT PRIMARY KEY,
    outbox_id       TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          INTEGER NOT NULL,
    io_message_id   TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    attempted_at_ms INTEGER NOT NULL
);
CREATE INDEX app_io_attempts_outbox ON app_io_attempts (outbox_id, attempted_at_ms);
CREATE INDEX app_io_attempts_org ON app_io_attempts (organization_id, attempted_at_ms);

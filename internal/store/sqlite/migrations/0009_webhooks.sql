-- Webhooks: endpoints organizers register, the deliveries made to them, and
-- the feeder's state. Events are not written by the booking or scan
-- transactions: a feeder reads the durable records those transactions
-- already write (booking_history, scans) past a persisted cursor and, in one
-- transaction, inserts the deliveries and advances the cursor. See
-- docs/webhooks.md.

-- scans gets an explicit INTEGER PRIMARY KEY (seq) so the feeder's cursor
-- is stable: SQLite documents that VACUUM may renumber the implicit rowid
-- of a table without one. The client-generated scan id stays unique. The
-- rebuild copies rows with their current rowid, so the order is kept; the
-- insert cost is unchanged (rowid b-tree plus one unique index on id, as
-- before with TEXT PRIMARY KEY).
CREATE TABLE scans_new (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    device_id        TEXT NOT NULL REFERENCES devices(id),
    organization_id  TEXT NOT NULL,
    ticket_id        TEXT,
    resource_id      TEXT,
    direction        INTEGER NOT NULL,
    scanned_at_ms    INTEGER NOT NULL, -- device clock
    received_at_ms   INTEGER NOT NULL, -- server clock
    offline          INTEGER NOT NULL DEFAULT 0,
    verdict          INTEGER NOT NULL,
    reason           INTEGER NOT NULL,
    reason_text      TEXT NOT NULL DEFAULT '', -- ScanReason name without prefix ("ALREADY_INSIDE")
    local_verdict    INTEGER,
    local_reason     TEXT,
    conflict         INTEGER NOT NULL DEFAULT 0,
    seats            INTEGER NOT NULL DEFAULT 0
);
INSERT INTO scans_new (seq, id, device_id, organization_id, ticket_id, resource_id, direction, scanned_at_ms,
    received_at_ms, offline, verdict, reason, reason_text, local_verdict, local_reason, conflict, seats)
SELECT rowid, id, device_id, organization_id, ticket_id, resource_id, direction, scanned_at_ms,
    received_at_ms, offline, verdict, reason, reason_text, local_verdict, local_reason, conflict, seats
FROM scans ORDER BY rowid;
DROP TABLE scans;
ALTER TABLE scans_new RENAME TO scans;
CREATE INDEX scans_ticket ON scans(ticket_id, scanned_at_ms);
CREATE INDEX scans_org_time ON scans(organization_id, received_at_ms);
CREATE INDEX scans_conflicts ON scans(organization_id, conflict) WHERE conflict = 1;

-- A registered endpoint. from_history_id and from_scan_seq are the ends of
-- the two event sources when it was created: only later records produce
-- deliveries for it, whatever the clocks say. secret is the HMAC key shown
-- once at creation (see docs/webhooks.md for why it is stored in clear).
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    url             TEXT NOT NULL,
    events          TEXT NOT NULL, -- JSON array of event names ("booking.created")
    secret          TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at_ms   INTEGER NOT NULL,
    deleted_at_ms   INTEGER,
    from_history_id INTEGER NOT NULL,
    from_scan_seq   INTEGER NOT NULL
);
CREATE INDEX webhooks_org ON webhooks(organization_id, created_at_ms) WHERE deleted_at_ms IS NULL;

-- One delivery of one event to one webhook; a replay is a new row with the
-- same event_id and replay_of set. status: 0 pending, 1 delivered, 2 failed,
-- 3 cancelled. The dispatcher columns (due_at_ms, locked_until_ms,
-- attempts) work as in the outbox. payload is the JSON body, without
-- personal data, kept for replays.
CREATE TABLE webhook_deliveries (
    id                 TEXT PRIMARY KEY,
    webhook_id         TEXT NOT NULL REFERENCES webhooks(id),
    event              TEXT NOT NULL,
    event_id           TEXT NOT NULL,
    payload            TEXT NOT NULL,
    status             INTEGER NOT NULL DEFAULT 0,
    due_at_ms          INTEGER NOT NULL,
    locked_until_ms    INTEGER NOT NULL DEFAULT 0,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_status        INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT NOT NULL DEFAULT '',
    last_attempt_at_ms INTEGER,
    delivered_at_ms    INTEGER,
    finished_at_ms     INTEGER,
    created_at_ms      INTEGER NOT NULL,
    replay_of          TEXT REFERENCES webhook_deliveries(id)
);
-- One original delivery per event and webhook: feeding the same record
-- twice (a retried feeder transaction) cannot duplicate it.
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries(webhook_id, event_id) WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, due_at_ms);
CREATE INDEX webhook_deliveries_list ON webhook_deliveries(webhook_id, created_at_ms, id);

-- How far the feeder has read each source. generation changes whenever a
-- deletion could make SQLite reuse ids at or below position (see the
-- triggers), so a feeder pass that read before it does not commit.
CREATE TABLE webhook_cursors (
    source     TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0
);
-- History and scans recorded before webhooks existed are never fed.
INSERT INTO webhook_cursors (source, position) VALUES
    ('booking_history', (SELECT COALESCE(MAX(id), 0) FROM booking_history)),
    ('scans', (SELECT COALESCE(MAX(seq), 0) FROM scans));

-- Timed tickets inside, for ticket.expired: written by the feeder when it
-- feeds an entry (for organizations with a webhook for that event), removed
-- by the feeder when it feeds an exit before the expiry, and turned into
-- deliveries once expires_at_ms has passed.
CREATE TABLE webhook_timers (
    ticket_id       TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    entry_seq       INTEGER NOT NULL, -- the scan that let the holder in
    expires_at_ms   INTEGER NOT NULL
);
CREATE INDEX webhook_timers_due ON webhook_timers(expires_at_ms);

-- Without AUTOINCREMENT, SQLite gives a new row MAX(id)+1: deleting the
-- newest rows would let new ones reuse ids the feeder has already passed.
-- When the newest row goes, the cursor and the webhooks' starting points
-- are pulled back to the new maximum and the generation changes. Only
-- deletions pay for this; inserts (the booking and gate hot paths) do not.
CREATE TRIGGER booking_history_webhook_cursor AFTER DELETE ON booking_history
WHEN OLD.id > (SELECT COALESCE(MAX(id), 0) FROM booking_history)
BEGIN
    UPDATE webhook_cursors SET generation = generation + 1,
        position = MIN(position, (SELECT COALESCE(MAX(id), 0) FROM booking_history))
        WHERE source = 'booking_history';
    UPDATE webhooks SET from_history_id = (SELECT COALESCE(MAX(id), 0) FROM booking_history)
        WHERE from_history_id > (SELECT COALESCE(MAX(id), 0) FROM booking_history);
END;

CREATE TRIGGER scans_webhook_cursor AFTER DELETE ON scans
WHEN OLD.seq > (SELECT COALESCE(MAX(seq), 0) FROM scans)
BEGIN
    UPDATE webhook_cursors SET generation = generation + 1,
        position = MIN(position, (SELECT COALESCE(MAX(seq), 0) FROM scans))
        WHERE source = 'scans';
    UPDATE webhooks SET from_scan_seq = (SELECT COALESCE(MAX(seq), 0) FROM scans)
        WHERE from_scan_seq > (SELECT COALESCE(MAX(seq), 0) FROM scans);
END;

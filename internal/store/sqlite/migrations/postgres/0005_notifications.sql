-- Notifications: Web Push subscriptions, the server's VAPID key, and
-- per-channel progress of outbox messages.

CREATE TABLE push_subscriptions (
    id            TEXT PRIMARY KEY,
    endpoint      TEXT NOT NULL UNIQUE,
    p256dh        TEXT NOT NULL,
    auth          TEXT NOT NULL,
    account_id    TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    booking_id    TEXT REFERENCES bookings(id) ON DELETE CASCADE,
    language      TEXT NOT NULL DEFAULT 'it',
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions(account_id);
CREATE INDEX push_subscriptions_booking ON push_subscriptions(booking_id);

-- The VAPID key pair, generated once (a single row).
CREATE TABLE vapid_keys (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    public_key    TEXT NOT NULL,
    private_key   TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- Channels already delivered for a message ("email", "push:<subscription id>"),
-- so a retry only resends what failed.
ALTER TABLE outbox ADD COLUMN progress TEXT NOT NULL DEFAULT '[]';

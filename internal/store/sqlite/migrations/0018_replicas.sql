-- Login throttling kept in the database, so that several replicas (on
-- PostgreSQL) count the same failures: the state of a key as the throttle
-- package defines it. key is a SHA-256 of the throttle key (which holds
-- a login e-mail or a client address): no personal data at rest.
-- forget_at_ms is when the row no longer affects any decision.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        TEXT NOT NULL DEFAULT '[]', -- JSON array of epoch ms, oldest first
    locked_until_ms INTEGER NOT NULL DEFAULT 0,
    strikes         INTEGER NOT NULL DEFAULT 0,
    forget_at_ms    INTEGER NOT NULL
);
CREATE INDEX login_throttle_forget ON login_throttle(forget_at_ms);

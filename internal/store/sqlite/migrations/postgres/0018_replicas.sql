-- Login throttling kept in the database, so that several replicas count
-- the same failures (see the SQLite twin).
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        TEXT NOT NULL DEFAULT '[]',
    locked_until_ms BIGINT NOT NULL DEFAULT 0,
    strikes         BIGINT NOT NULL DEFAULT 0,
    forget_at_ms    BIGINT NOT NULL
);
CREATE INDEX login_throttle_forget ON login_throttle(forget_at_ms);

-- The gate Sync watermark: the id of the transaction that last changed a
-- ticket, set by the database itself, so that no replica's clock is
-- involved. A reader that has seen every committed change up to its
-- snapshot resumes from the snapshot's xmin: every transaction below it
-- has ended, and every one at or above it will write a change_xid at or
-- above it (feed.go).
ALTER TABLE tickets ADD COLUMN change_xid BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION tickets_change_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$;

CREATE TRIGGER tickets_change_xid BEFORE INSERT OR UPDATE ON tickets
FOR EACH ROW EXECUTE FUNCTION tickets_change_xid();

CREATE INDEX tickets_change ON tickets(change_xid, id);
DROP INDEX tickets_updated;

-- Audit trail: every staff action and every staff access to personal data.
CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    at_ms           BIGINT NOT NULL,
    actor_kind      BIGINT NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_name      TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    target_type     TEXT NOT NULL DEFAULT '',
    target_id       TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_org_time ON audit_events(organization_id, at_ms DESC, id);
CREATE INDEX audit_events_target ON audit_events(organization_id, target_id, at_ms DESC);

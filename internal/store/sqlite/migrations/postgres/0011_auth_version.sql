-- auth_version moves whenever an authenticated principal could change: a
-- session revoked or deleted, a staff role granted, changed or revoked, an
-- account's installation-admin flag changed or the account deleted. The
-- identity service caches principals by session and re-reads one only when
-- this number moved, so a revocation made by any process (this server,
-- `server bootstrap`, another server on the same file) applies to the very
-- next call. New sessions (logins) do not move it: they invalidate nothing.
CREATE TABLE auth_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO auth_version (id, version) VALUES (1, 0);

CREATE FUNCTION bump_auth_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER auth_version_sessions_update AFTER UPDATE ON sessions
FOR EACH ROW EXECUTE FUNCTION bump_auth_version();

CREATE TRIGGER auth_version_sessions_delete AFTER DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION bump_auth_version();

CREATE TRIGGER auth_version_staff_roles_insert AFTER INSERT ON staff_roles
FOR EACH ROW EXECUTE FUNCTION bump_auth_version();

CREATE TRIGGER auth_version_staff_roles_update AFTER UPDATE ON staff_roles
FOR EACH ROW EXECUTE FUNCTION bump_auth_version();

CREATE TRIGGER auth_version_staff_roles_delete AFTER DELETE ON staff_roles
FOR EACH ROW EXECUTE FUNCTION bump_auth_version();

CREATE TRIGGER auth_version_accounts_admin AFTER UPDATE OF installation_admin ON accounts
FOR EACH ROW EXECUTE FUNCTION bump_auth_version();

CREATE TRIGGER auth_version_accounts_delete AFTER DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION bump_auth_version();

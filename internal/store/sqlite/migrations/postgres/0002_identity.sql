-- Identity: citizen and staff accounts, sessions, staff roles, gate devices.
-- Secrets (passwords, session tokens, device credentials) are stored only as
-- hashes.

CREATE TABLE accounts (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL,
    codice_fiscale     TEXT NOT NULL,
    given_name         TEXT NOT NULL,
    family_name        TEXT NOT NULL,
    phone              TEXT NOT NULL DEFAULT '',
    language           TEXT NOT NULL DEFAULT 'it',
    password_hash      TEXT NOT NULL,
    installation_admin BIGINT NOT NULL DEFAULT 0,
    privacy_consent_ms BIGINT NOT NULL,
    created_at_ms      BIGINT NOT NULL,
    updated_at_ms      BIGINT NOT NULL
);
-- E-mail addresses compare case-insensitively for log in and uniqueness.
CREATE UNIQUE INDEX accounts_email ON accounts(lower(email));
CREATE UNIQUE INDEX accounts_cf ON accounts(codice_fiscale);

CREATE TABLE sessions (
    token_hash    BYTEA PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE staff_roles (
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind            BIGINT NOT NULL,
    resource_ids    TEXT NOT NULL DEFAULT '[]', -- JSON array; operators only
    granted_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (account_id, organization_id)
);
CREATE INDEX staff_roles_org ON staff_roles(organization_id);

CREATE TABLE devices (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    direction       BIGINT NOT NULL,
    resource_ids    TEXT NOT NULL DEFAULT '[]', -- JSON array
    hardware        TEXT NOT NULL DEFAULT '',
    credential_hash BYTEA UNIQUE,
    enrolled_at_ms  BIGINT,
    last_seen_ms    BIGINT,
    revoked_at_ms   BIGINT,
    created_at_ms   BIGINT NOT NULL
);
CREATE INDEX devices_org ON devices(organization_id);

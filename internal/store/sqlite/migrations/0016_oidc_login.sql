-- SPID/CIE login through OpenID Connect (docs/identity.md, "SPID and CIE").

-- One browser's login attempt, from StartOidcLogin to the callback and, when
-- the account must be created or linked first, to CompleteOidcLogin. The
-- browser holds the plain attempt token in an HttpOnly cookie; only its
-- SHA-256 (hex) is stored. Rows are short-lived and deleted once used.
CREATE TABLE oidc_attempts (
    token_hash      TEXT PRIMARY KEY,
    state           TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    code_verifier   TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    -- Set when the callback has consumed the state: a replayed callback
    -- finds it set and is refused.
    called_back_ms  INTEGER,
    -- After the callback, what is still needed: 1 consent (new account),
    -- 2 link (a password account has the codice fiscale); 0 none.
    pending_step    INTEGER NOT NULL DEFAULT 0,
    -- The verified identity (JSON) and, for a link, the account to link.
    identity_json   TEXT NOT NULL DEFAULT '',
    link_account_id TEXT NOT NULL DEFAULT '',
    id_token        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX oidc_attempts_expiry ON oidc_attempts(expires_at_ms);

-- Accounts whose owner logged in through the provider (created by it, or
-- linked after proving control with the password). An account with the
-- asserted codice fiscale but no row here is never logged in silently.
CREATE TABLE oidc_links (
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    birth_date    TEXT NOT NULL DEFAULT '',
    linked_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (account_id, issuer)
);

-- The ID token of a session opened through the provider, kept as the
-- id_token_hint of RP-initiated logout; it goes with its session.
CREATE TABLE oidc_sessions (
    session_hash  BLOB PRIMARY KEY REFERENCES sessions(token_hash) ON DELETE CASCADE,
    id_token      TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL
);

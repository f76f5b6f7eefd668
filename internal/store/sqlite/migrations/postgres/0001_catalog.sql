-- Catalog: organizations, places, the resource tree, operators and schedules.
-- Conventions: ids are UUID text; instants are BIGINT milliseconds since the
-- Unix epoch in UTC (suffix _ms); local dates are TEXT 'YYYY-MM-DD' and local
-- times TEXT 'HH:MM' in the place's time zone; durations are BIGINT seconds
-- (suffix _s).

CREATE TABLE organizations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          BIGINT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    website       TEXT NOT NULL DEFAULT '',
    tax_code      TEXT NOT NULL DEFAULT '',
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX organizations_name ON organizations(name, id);

CREATE TABLE places (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    street          TEXT NOT NULL DEFAULT '',
    postal_code     TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    province        TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT 'IT',
    latitude        DOUBLE PRECISION,
    longitude       DOUBLE PRECISION,
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    website         TEXT NOT NULL DEFAULT '',
    time_zone       TEXT NOT NULL DEFAULT 'Europe/Rome',
    description     TEXT NOT NULL DEFAULT '',
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL
);
CREATE INDEX places_org ON places(organization_id, name);

CREATE TABLE resources (
    id                        TEXT PRIMARY KEY,
    organization_id           TEXT NOT NULL REFERENCES organizations(id),
    place_id                  TEXT NOT NULL REFERENCES places(id),
    parent_id                 TEXT REFERENCES resources(id),
    kind                      BIGINT NOT NULL,
    name                      TEXT NOT NULL,
    description               TEXT NOT NULL DEFAULT '',
    documents_to_bring        TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    modes                     TEXT NOT NULL DEFAULT '[]', -- JSON array of mode numbers
    operator_choice           BIGINT NOT NULL DEFAULT 0,
    ticketed                  BIGINT NOT NULL DEFAULT 0,
    position                  BIGINT NOT NULL DEFAULT 0,
    active                    BIGINT NOT NULL DEFAULT 1,
    opens_days_ahead          BIGINT NOT NULL DEFAULT 0,
    min_notice_s              BIGINT NOT NULL DEFAULT 0,
    same_day_cutoff           TEXT NOT NULL DEFAULT '',
    hold_duration_s           BIGINT NOT NULL DEFAULT 600,
    max_consecutive_slots     BIGINT NOT NULL DEFAULT 1,
    max_seats_per_booking     BIGINT NOT NULL DEFAULT 1,
    max_active_per_person     BIGINT NOT NULL DEFAULT 0,
    cancel_cutoff_s           BIGINT NOT NULL DEFAULT 0,
    reminder_lead_s           BIGINT NOT NULL DEFAULT 0,
    ticket_valid_before_s     BIGINT NOT NULL DEFAULT 0,
    ticket_valid_after_s      BIGINT NOT NULL DEFAULT 0,
    ticket_max_stay_s         BIGINT NOT NULL DEFAULT 0,
    ticket_warning_lead_s     BIGINT NOT NULL DEFAULT 0,
    ticket_allow_reentry      BIGINT NOT NULL DEFAULT 0,
    created_at_ms             BIGINT NOT NULL,
    updated_at_ms             BIGINT NOT NULL
);
CREATE INDEX resources_org ON resources(organization_id, parent_id, position);
CREATE INDEX resources_place ON resources(place_id);

CREATE TABLE acknowledgements (
    id          TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    position    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX acknowledgements_resource ON acknowledgements(resource_id, position);

-- Operators ("referenti") belong to the organization so that one person
-- serving several services is one operator.
CREATE TABLE operators (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    display_name    TEXT NOT NULL,
    account_id      TEXT,
    created_at_ms   BIGINT NOT NULL
);

CREATE TABLE resource_operators (
    resource_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (resource_id, operator_id)
);

CREATE TABLE schedule_rules (
    id             TEXT PRIMARY KEY,
    resource_id    TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    weekday        BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_time     TEXT NOT NULL,
    end_time       TEXT NOT NULL,
    slot_length_s  BIGINT NOT NULL CHECK (slot_length_s > 0),
    seats_per_slot BIGINT NOT NULL CHECK (seats_per_slot > 0),
    operator_ids   TEXT NOT NULL DEFAULT '[]', -- JSON array of operator ids
    valid_from     TEXT NOT NULL DEFAULT '',
    valid_until    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX schedule_rules_resource ON schedule_rules(resource_id, weekday, start_time);

CREATE TABLE schedule_exceptions (
    id             TEXT PRIMARY KEY,
    resource_id    TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    kind           BIGINT NOT NULL,
    start_date     TEXT NOT NULL,
    end_date       TEXT NOT NULL,
    start_time     TEXT NOT NULL DEFAULT '',
    end_time       TEXT NOT NULL DEFAULT '',
    yearly         BIGINT NOT NULL DEFAULT 0,
    operator_id    TEXT REFERENCES operators(id),
    reason         TEXT NOT NULL DEFAULT '',
    slot_length_s  BIGINT NOT NULL DEFAULT 0,
    seats_per_slot BIGINT NOT NULL DEFAULT 0,
    created_at_ms  BIGINT NOT NULL
);
CREATE INDEX schedule_exceptions_resource ON schedule_exceptions(resource_id, start_date);

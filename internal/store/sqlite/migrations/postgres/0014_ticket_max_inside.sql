-- A resource's occupancy cap: most people (seats of tickets inside) inside
-- at once, whatever the seats sold; 0 means no cap. Gates refuse an entry
-- that would pass it (VENUE_FULL).
ALTER TABLE resources ADD COLUMN ticket_max_inside BIGINT NOT NULL DEFAULT 0;
-- How old a gate's keys and revocations may be for it to decide offline;
-- 0 means the default (24 hours).
ALTER TABLE resources ADD COLUMN ticket_offline_max_age_s BIGINT NOT NULL DEFAULT 0;

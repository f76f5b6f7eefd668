-- catalog_version counts changes to everything a resource's slot plan is
-- built from. The availability service caches plans and reloads one only
-- when this number moved, instead of running six queries for every hold,
-- confirm and grid. Triggers keep it right whoever writes (the catalog
-- service, an operator's block inside a booking transaction, an ops tool
-- or another server process on the same file).
CREATE TABLE catalog_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 0);

-- SQLite's trigger bodies become one trigger function; a trigger per
-- table and event, FOR EACH ROW as in SQLite.
CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_version_places_insert AFTER INSERT ON places
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_places_update AFTER UPDATE ON places
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_places_delete AFTER DELETE ON places
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

CREATE TRIGGER catalog_version_resources_insert AFTER INSERT ON resources
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_resources_update AFTER UPDATE ON resources
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_resources_delete AFTER DELETE ON resources
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

CREATE TRIGGER catalog_version_acknowledgements_insert AFTER INSERT ON acknowledgements
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_acknowledgements_update AFTER UPDATE ON acknowledgements
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_acknowledgements_delete AFTER DELETE ON acknowledgements
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

CREATE TRIGGER catalog_version_operators_insert AFTER INSERT ON operators
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_operators_update AFTER UPDATE ON operators
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_operators_delete AFTER DELETE ON operators
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

CREATE TRIGGER catalog_version_resource_operators_insert AFTER INSERT ON resource_operators
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_resource_operators_update AFTER UPDATE ON resource_operators
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_resource_operators_delete AFTER DELETE ON resource_operators
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

CREATE TRIGGER catalog_version_schedule_rules_insert AFTER INSERT ON schedule_rules
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_schedule_rules_update AFTER UPDATE ON schedule_rules
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_schedule_rules_delete AFTER DELETE ON schedule_rules
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

CREATE TRIGGER catalog_version_schedule_exceptions_insert AFTER INSERT ON schedule_exceptions
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_schedule_exceptions_update AFTER UPDATE ON schedule_exceptions
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_schedule_exceptions_delete AFTER DELETE ON schedule_exceptions
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

-- Organizations are covered too, for the description cache (catalog.Cache).
CREATE TRIGGER catalog_version_organizations_insert AFTER INSERT ON organizations
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_organizations_update AFTER UPDATE ON organizations
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();
CREATE TRIGGER catalog_version_organizations_delete AFTER DELETE ON organizations
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version();

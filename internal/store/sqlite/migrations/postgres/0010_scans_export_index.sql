-- The scans CSV export reads an organization's scans in device-time order
-- in keyset batches; without this index each batch would read and sort all
-- of the organization's scans.
CREATE INDEX scans_org_scanned ON scans(organization_id, scanned_at_ms, id);

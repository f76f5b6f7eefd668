-- The organization whose ticket a scan concerns, taken from the verified
-- QR (NULL when it did not verify). A gate of one organization that scans
-- another's ticket changes nothing, but the attempt is a conflict when the
-- gate let the person through, and the ticket's organizers must see it:
-- ListScanConflicts lists conflicts by either organization.
ALTER TABLE scans ADD COLUMN ticket_organization_id TEXT;
UPDATE scans SET ticket_organization_id = (SELECT r.organization_id FROM resources r WHERE r.id = scans.resource_id)
    WHERE resource_id IS NOT NULL AND reason_text NOT IN ('MALFORMED', 'FORGED', 'UNKNOWN_KEY');
CREATE INDEX scans_ticket_org_conflicts ON scans(ticket_organization_id, received_at_ms) WHERE conflict = 1;

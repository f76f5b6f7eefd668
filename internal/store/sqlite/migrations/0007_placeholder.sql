-- Placeholder for migration 0007, reserved for the statistics work on
-- another branch. Migrations must be numbered without gaps; delete this file
-- when the real 0007 is merged.
SELECT 1;

-- Reserved for the migration 0022 of a branch developed in parallel (issue 20,
-- write side). This placeholder only keeps the numbers contiguous on the
-- h-grid branch: drop it when merging that branch's 0022, or renumber
-- 0023_write_version.sql to 0022 if that branch never lands.
SELECT 1;

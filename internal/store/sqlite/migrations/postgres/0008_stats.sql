-- Statistics: "days to first availability" needs, for each booking, the
-- start of the first slot of its resource a citizen could have booked at
-- the moment the booking was made. It cannot be rebuilt later (the usage
-- counters only know the present), so it is recorded when it happens: the
-- hold measures it (outside the write transaction) and the booking copies
-- it; counter bookings and reschedules measure it themselves. NULL for rows
-- made before this migration; statistics leave them out of the average.
ALTER TABLE holds ADD COLUMN first_free_ms BIGINT;
ALTER TABLE bookings ADD COLUMN first_free_ms BIGINT;

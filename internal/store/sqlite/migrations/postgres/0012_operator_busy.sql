-- An operator ("referente") may serve several services. Slot usage counts
-- per (service, operator), so a booking of the operator in one service must
-- also make them busy in the others over the same time: these indexes find
-- an operator's live holds and confirmed bookings in a time range.
CREATE INDEX holds_operator ON holds(operator_id, start_ms) WHERE operator_id != '';
CREATE INDEX bookings_operator ON bookings(operator_id, start_ms) WHERE operator_id != '';

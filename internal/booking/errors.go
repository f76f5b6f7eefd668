package booking

import "github.com/varco-gate/varco/internal/fault"

// Failures of the booking lifecycle, each with a stable code.
var (
	ErrSlotFull           = fault.New(fault.Exhausted, "slot_full")
	ErrOperatorBusy       = fault.New(fault.Exhausted, "operator_busy")
	ErrSlotNotFound       = fault.New(fault.FailedPrecondition, "slot_not_found")
	ErrNotConsecutive     = fault.New(fault.FailedPrecondition, "not_consecutive")
	ErrSlotPast           = fault.New(fault.FailedPrecondition, "slot_past")
	ErrNotYetBookable     = fault.New(fault.FailedPrecondition, "not_yet_bookable")
	ErrBookingClosed      = fault.New(fault.FailedPrecondition, "booking_closed")
	ErrTooManyHolds       = fault.New(fault.Exhausted, "too_many_holds")
	ErrHoldNotFound       = fault.New(fault.NotFound, "hold_not_found")
	ErrHoldExpired        = fault.New(fault.FailedPrecondition, "hold_expired")
	ErrHoldNotYours       = fault.New(fault.PermissionDenied, "hold_not_yours")
	ErrPersonLimit        = fault.New(fault.Exhausted, "person_limit")
	ErrBookingNotFound    = fault.New(fault.NotFound, "booking_not_found")
	ErrNotCancellable     = fault.New(fault.FailedPrecondition, "not_cancellable")
	ErrCancelCutoff       = fault.New(fault.FailedPrecondition, "cancel_cutoff_passed")
	ErrBadCancelToken     = fault.New(fault.PermissionDenied, "cancel_token_invalid")
	ErrNotRescheduable    = fault.New(fault.FailedPrecondition, "not_reschedulable")
	ErrAttendanceTooEarly = fault.New(fault.FailedPrecondition, "attendance_too_early")
	ErrIdempotencyReuse   = fault.New(fault.FailedPrecondition, "idempotency_key_reused")
)

// Failures of the waiting list.
var (
	ErrSlotNotFull       = fault.New(fault.FailedPrecondition, "slot_not_full")
	ErrAlreadyWaiting    = fault.New(fault.FailedPrecondition, "already_waiting")
	ErrWaitEntryNotFound = fault.New(fault.NotFound, "waitlist_entry_not_found")
	// ErrWaitlistFirst refuses a hold of seats that were freed for the
	// people in line.
	ErrWaitlistFirst = fault.New(fault.Exhausted, "waitlist_first")
)

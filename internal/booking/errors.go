package booking

import "github.com/varco-gate/varco/internal/fault"

// Failures of the booking lifecycle, each with a stable code.
var (
	ErrSlotFull = fault.New(fault.Exhausted, "slot_full",
		"Posti esauriti per la fascia scelta: scegline un'altra.", "No seats left in the chosen slot: pick another one.")
	ErrOperatorBusy = fault.New(fault.Exhausted, "operator_busy",
		"L'operatore scelto non è più libero in questa fascia.", "The chosen operator is no longer free in this slot.")
	ErrSlotNotFound = fault.New(fault.FailedPrecondition, "slot_not_found",
		"La fascia indicata non esiste nel calendario del servizio.", "There is no such slot in the service's calendar.")
	ErrNotConsecutive = fault.New(fault.FailedPrecondition, "not_consecutive",
		"Le fasce richieste non sono consecutive.", "The requested slots are not consecutive.")
	ErrSlotPast = fault.New(fault.FailedPrecondition, "slot_past",
		"La fascia è già iniziata o passata.", "The slot has already started or ended.")
	ErrNotYetBookable = fault.New(fault.FailedPrecondition, "not_yet_bookable",
		"Le prenotazioni per questa data non sono ancora aperte.", "Bookings for this date are not open yet.")
	ErrBookingClosed = fault.New(fault.FailedPrecondition, "booking_closed",
		"Le prenotazioni per questa fascia sono chiuse.", "Bookings for this slot are closed.")
	ErrTooManyHolds = fault.New(fault.Exhausted, "too_many_holds",
		"Hai già troppe prenotazioni in corso: completale o annullale.", "You already have too many bookings in progress: complete or release them.")
	ErrHoldNotFound = fault.New(fault.NotFound, "hold_not_found",
		"Prenotazione in corso non trovata: ricomincia dalla scelta della fascia.", "Hold not found: start again from the slot choice.")
	ErrHoldExpired = fault.New(fault.FailedPrecondition, "hold_expired",
		"Il tempo per completare la prenotazione è scaduto: scegli di nuovo la fascia.", "The time to complete the booking ran out: choose the slot again.")
	ErrHoldNotYours = fault.New(fault.PermissionDenied, "hold_not_yours",
		"Questa prenotazione in corso appartiene a un altro utente.", "This hold belongs to another user.")
	ErrPersonLimit = fault.New(fault.Exhausted, "person_limit",
		"Questa persona ha già il numero massimo di prenotazioni attive per il servizio.", "This person already has the maximum number of active bookings for the service.")
	ErrBookingNotFound = fault.New(fault.NotFound, "booking_not_found",
		"Prenotazione non trovata.", "Booking not found.")
	ErrNotCancellable = fault.New(fault.FailedPrecondition, "not_cancellable",
		"La prenotazione non è attiva e non si può annullare.", "The booking is not active and cannot be cancelled.")
	ErrCancelCutoff = fault.New(fault.FailedPrecondition, "cancel_cutoff_passed",
		"Non è più possibile annullare online: contatta l'ufficio.", "It is too late to cancel online: contact the office.")
	ErrBadCancelToken = fault.New(fault.PermissionDenied, "cancel_token_invalid",
		"Il link di annullamento non è valido.", "The cancellation link is not valid.")
	ErrNotRescheduable = fault.New(fault.FailedPrecondition, "not_reschedulable",
		"La prenotazione non è attiva e non si può spostare.", "The booking is not active and cannot be moved.")
	ErrAttendanceTooEarly = fault.New(fault.FailedPrecondition, "attendance_too_early",
		"La presenza si registra dall'inizio dell'appuntamento.", "Attendance can be recorded from the start of the appointment.")
	ErrIdempotencyReuse = fault.New(fault.FailedPrecondition, "idempotency_key_reused",
		"Questa chiave di idempotenza è già stata usata per un'altra richiesta.", "This idempotency key was already used for another request.")
)

// Failures of the waiting list.
var (
	ErrSlotNotFull = fault.New(fault.FailedPrecondition, "slot_not_full",
		"Ci sono ancora posti per questa fascia: prenotali direttamente.", "There are still seats in this slot: book them directly.")
	ErrAlreadyWaiting = fault.New(fault.FailedPrecondition, "already_waiting",
		"Sei già in lista d'attesa per questa fascia.", "You are already on the waiting list for this slot.")
	ErrWaitEntryNotFound = fault.New(fault.NotFound, "waitlist_entry_not_found",
		"Iscrizione alla lista d'attesa non trovata.", "Waiting-list entry not found.")
	// ErrWaitlistFirst refuses a hold of seats that were freed for the
	// people in line.
	ErrWaitlistFirst = fault.New(fault.Exhausted, "waitlist_first",
		"I posti liberati spettano a chi è in lista d'attesa: puoi unirti alla lista.", "Freed seats go to the people on the waiting list first: you can join the list.")
)

package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorMatchingAndMessages(t *testing.T) {
	t.Parallel()
	full := New(Exhausted, "slot_full", "Posti esauriti", "No seats left")
	wrapped := fmt.Errorf("hold slot: %w", full.Wrap(errors.New("taken 30 of 30")))
	var got *Error
	if !errors.As(wrapped, &got) {
		t.Fatal("errors.As must find the failure through wrapping")
	}
	if !errors.Is(wrapped, full) {
		t.Fatal("errors.Is must match by kind and code")
	}
	if errors.Is(wrapped, New(Exhausted, "rate_limited", "", "")) {
		t.Fatal("a different code must not match")
	}
	if got.Message("en") != "No seats left" || got.Message("it") != "Posti esauriti" || got.Message("") != "Posti esauriti" {
		t.Fatalf("messages: %q %q", got.Message("en"), got.Message("it"))
	}
	f := InvalidField("beneficiary.email", "email_format", "E-mail non valida", "Invalid e-mail")
	if f.Error() != "beneficiary.email: Invalid e-mail" {
		t.Fatalf("Error() = %q", f.Error())
	}
}

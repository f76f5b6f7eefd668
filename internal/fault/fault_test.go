package fault

import (
	"errors"
	"fmt"
	"testing"

	"github.com/varco-gate/varco/internal/i18n"
)

func TestErrorMatchingAndMessages(t *testing.T) {
	t.Parallel()
	full := New(Exhausted, "slot_full")
	wrapped := fmt.Errorf("hold slot: %w", full.Wrap(errors.New("taken 30 of 30")))
	var got *Error
	if !errors.As(wrapped, &got) {
		t.Fatal("errors.As must find the failure through wrapping")
	}
	if !errors.Is(wrapped, full) {
		t.Fatal("errors.Is must match by kind and code")
	}
	if errors.Is(wrapped, New(Exhausted, "rate_limited")) {
		t.Fatal("a different code must not match")
	}
	if got.Message("en") != i18n.T("en", "error.slot_full") || got.Message("it") != i18n.T("it", "error.slot_full") ||
		got.Message("") != got.Message("it") || got.Message("de") != i18n.T("de", "error.slot_full") {
		t.Fatalf("messages: %q %q %q", got.Message("en"), got.Message("it"), got.Message("de"))
	}
	f := InvalidField("beneficiary.email", "email_format").Text("person.email_format")
	if f.Error() != "beneficiary.email: The e-mail address is not valid" {
		t.Fatalf("Error() = %q", f.Error())
	}
}

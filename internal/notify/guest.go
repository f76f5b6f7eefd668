package notify

import "time"

// GuestCodeView is what the e-mail carrying a guest's one-time code shows.
type GuestCodeView struct {
	Language string
	Email    string
	Code     string
	Resource string
	OrgName  string
	// Valid is how long the code works from when it was sent.
	Valid time.Duration
}

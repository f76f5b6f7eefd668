package push

// Stable validation error codes. Front ends switch on them, so they must
// never change once published.
const (
	CodeRequired       = "required"
	CodeMalformed      = "malformed"
	CodeTooLong        = "too_long"
	CodeNotHTTPS       = "not_https"
	CodeUserinfo       = "userinfo"
	CodeIPLiteral      = "ip_literal"
	CodePort           = "port"
	CodeHostNotAllowed = "host_not_allowed"
	CodeInvalidKey     = "invalid_key"
	CodeAuthLength     = "auth_length"
)

// Field names a ValidationError can carry; they match the keys of the
// browser's PushSubscription JSON so front ends can map them directly.
const (
	FieldEndpoint = "endpoint"
	FieldP256dh   = "p256dh"
	FieldAuth     = "auth"
)

// catalog is the single place for user-facing texts, so translations stay
// in step with the codes.
var catalog = map[string]struct{ it, en string }{
	CodeRequired:       {"Il campo è obbligatorio", "This field is required"},
	CodeMalformed:      {"Il valore non è nel formato atteso", "The value is not in the expected format"},
	CodeTooLong:        {"L'indirizzo del servizio push è troppo lungo", "The push service address is too long"},
	CodeNotHTTPS:       {"L'indirizzo del servizio push deve usare https", "The push service address must use https"},
	CodeUserinfo:       {"L'indirizzo del servizio push non può contenere credenziali", "The push service address must not contain credentials"},
	CodeIPLiteral:      {"L'indirizzo del servizio push deve essere un nome, non un indirizzo IP", "The push service address must be a host name, not an IP address"},
	CodePort:           {"L'indirizzo del servizio push non può indicare una porta", "The push service address must not name a port"},
	CodeHostNotAllowed: {"Il servizio push di questo browser non è supportato", "This browser's push service is not supported"},
	CodeInvalidKey:     {"La chiave della sottoscrizione non è una chiave P-256 valida", "The subscription key is not a valid P-256 key"},
	CodeAuthLength:     {"Il segreto di autenticazione deve essere di 16 byte", "The authentication secret must be 16 bytes long"},
}

// ValidationError reports which part of a push subscription was rejected.
// It never carries the rejected value: an endpoint URL is a bearer
// capability for sending to that browser, and errors end up in logs.
type ValidationError struct {
	// Field is FieldEndpoint, FieldP256dh or FieldAuth.
	Field string
	// Code is one of the stable Code* constants.
	Code string
}

// Message returns the text for lang ("it" or "en"); any other language gets
// Italian because Varco's users are served in Italian first.
func (e *ValidationError) Message(lang string) string {
	t, ok := catalog[e.Code]
	if !ok {
		// An unknown code is a programming error; still say something useful.
		t = struct{ it, en string }{"Valore non valido", "Invalid value"}
	}
	if lang == "en" {
		return t.en
	}
	return t.it
}

// Error returns the English message prefixed with the field, for logs.
func (e *ValidationError) Error() string {
	return "push subscription " + e.Field + ": " + e.Message("en")
}

func invalid(field, code string) *ValidationError {
	return &ValidationError{Field: field, Code: code}
}

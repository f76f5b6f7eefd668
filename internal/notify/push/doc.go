// Package push sends Web Push messages (RFC 8030) with VAPID (RFC 8292)
// and aes128gcm payload encryption (RFC 8291) through
// github.com/SherClockHolmes/webpush-go, and guards the edges the library
// leaves open:
//
//   - a subscription endpoint is chosen by whoever calls subscribe, so it is
//     checked against an allow-list of push services before it is stored and
//     again before every send (SSRF), and redirects are never followed;
//   - the library prefixes "mailto:" to the VAPID subject itself, so the
//     configured subject is normalised once in New;
//   - the library returns a 404/410 as a response, not an error, so every
//     status is classified here into the notify errors the dispatcher acts on
//     (forget the subscription only on 404/410, retry on 429/5xx honouring
//     Retry-After, give up on the rest);
//   - the library's default HTTP client has no timeout, so one is always
//     passed, and every send carries the caller's context.
//
// Library behaviour that cannot be changed from outside and is accepted:
// the VAPID JWT "exp" is always the wall clock plus 12 hours (the
// VapidExpiration option is ignored), which is within the 24 hours RFC 8292
// allows; and every payload is padded to one 4096-byte record, which hides
// the message length and limits the plaintext to MaxPayload bytes.
package push

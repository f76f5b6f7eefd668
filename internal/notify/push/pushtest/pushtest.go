// Package pushtest is a real Web Push service in miniature for tests: it
// verifies the VAPID header (RFC 8292) and decrypts the aes128gcm payload
// (RFC 8291) with the subscription's private key, independently of the
// library that sent it.
package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Service is a real push service in miniature: it verifies the VAPID
// header and decrypts the aes128gcm body exactly as a browser vendor's
// service and the browser would, independently of webpush-go.
type Service struct {
	srv *httptest.Server
	// Endpoint is the subscription's endpoint on this service.
	Endpoint string

	vapidPub []byte // the key every request must be signed with
	wantSub  string // the JWT "sub" every request must carry

	uaPriv *ecdh.PrivateKey // the browser's subscription key pair
	auth   []byte           // the browser's auth secret

	// answer gives the status and headers of the n-th request (from 0).
	answer func(n int) (int, http.Header)
	count  atomic.Int64

	mu       sync.Mutex
	received []Message
}

// Message is what the service saw in one valid request.
type Message struct {
	Plaintext []byte
	TTL       string
	Urgency   string
	Topic     string
	Sub       string
	Exp       time.Time
}

// Always201 is the answer of a healthy push service.
func Always201(int) (int, http.Header) { return http.StatusCreated, nil }

// New starts a service expecting requests signed with vapidPub
// for the subject wantSub and answering them with answer.
func New(t testing.TB, vapidPub, wantSub string, answer func(n int) (int, http.Header)) *Service {
	t.Helper()
	pub, err := base64.RawURLEncoding.DecodeString(vapidPub)
	if err != nil {
		t.Fatal(err)
	}
	ua, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	// Every field is set before the server starts, so handlers only read.
	s := &Service{vapidPub: pub, wantSub: wantSub, uaPriv: ua, auth: auth, answer: answer}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.Endpoint = s.srv.URL + "/wpush/v2/gAAAAABk-test-token"
	return s
}

// URL is the service's base URL.
func (s *Service) URL() string { return s.srv.URL }

// Close stops the service (to test an unreachable endpoint).
func (s *Service) Close() { s.srv.Close() }

// Requests counts every request received, valid or not.
func (s *Service) Requests() int64 { return s.count.Load() }

// Client trusts the service's certificate.
func (s *Service) Client() *http.Client { return s.srv.Client() }

// P256dh and Auth are the subscription keys as the browser reports them.
func (s *Service) P256dh() string {
	return base64.RawURLEncoding.EncodeToString(s.uaPriv.PublicKey().Bytes())
}

// Auth returns the subscription's auth secret, base64url.
func (s *Service) Auth() string { return base64.RawURLEncoding.EncodeToString(s.auth) }

// Received returns a copy of what valid requests delivered.
func (s *Service) Received() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.received...)
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	n := int(s.count.Add(1) - 1)
	rec, err := s.verify(r)
	if err != nil {
		// A 400 with the reason: Send reports it as a permanent error
		// carrying the body, so the test fails saying why.
		http.Error(w, "test service: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.received = append(s.received, rec)
	s.mu.Unlock()
	status, header := s.answer(n)
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
}

func (s *Service) verify(r *http.Request) (Message, error) {
	if r.Method != http.MethodPost {
		return Message{}, fmt.Errorf("method %s", r.Method)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return Message{}, fmt.Errorf("Content-Encoding %q", ce)
	}
	if r.Header.Get("TTL") == "" {
		return Message{}, errors.New("no TTL header")
	}
	sub, exp, err := s.verifyVAPID(r.Header.Get("Authorization"), "https://"+r.Host)
	if err != nil {
		return Message{}, fmt.Errorf("vapid: %w", err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return Message{}, err
	}
	plain, err := s.decrypt(body)
	if err != nil {
		return Message{}, fmt.Errorf("decrypt: %w", err)
	}
	return Message{
		Plaintext: plain,
		TTL:       r.Header.Get("TTL"),
		Urgency:   r.Header.Get("Urgency"),
		Topic:     r.Header.Get("Topic"),
		Sub:       sub,
		Exp:       exp,
	}, nil
}

// verifyVAPID checks "vapid t=<JWT>, k=<key>" (RFC 8292 §3): the key is
// ours, the ES256 signature verifies with it, aud is the endpoint's origin,
// sub is the expected subject with a single "mailto:", and exp is in the
// future but no more than 24 hours away.
func (s *Service) verifyVAPID(header, origin string) (string, time.Time, error) {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return "", time.Time{}, fmt.Errorf("scheme in %q", header)
	}
	params := map[string]string{}
	for p := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		params[k] = v
	}
	k, err := base64.RawURLEncoding.DecodeString(params["k"])
	if err != nil || !bytes.Equal(k, s.vapidPub) {
		return "", time.Time{}, errors.New("k is not our VAPID public key")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), k)
	if err != nil {
		return "", time.Time{}, err
	}
	parts := strings.Split(params["t"], ".")
	if len(parts) != 3 {
		return "", time.Time{}, errors.New("t is not a JWS")
	}
	var hdr struct{ Alg, Typ string }
	if err := decodeJSONPart(parts[0], &hdr); err != nil || hdr.Alg != "ES256" {
		return "", time.Time{}, fmt.Errorf("header alg %q: %v", hdr.Alg, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", time.Time{}, errors.New("signature is not 64 bytes")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	rr, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], rr, ss) {
		return "", time.Time{}, errors.New("bad ES256 signature")
	}
	var claims struct {
		Aud string `json:"aud"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	if err := decodeJSONPart(parts[1], &claims); err != nil {
		return "", time.Time{}, err
	}
	if claims.Aud != origin {
		return "", time.Time{}, fmt.Errorf("aud %q, want %q", claims.Aud, origin)
	}
	if claims.Sub != s.wantSub || strings.Count(claims.Sub, "mailto:") > 1 {
		return "", time.Time{}, fmt.Errorf("sub %q, want %q", claims.Sub, s.wantSub)
	}
	// webpush-go signs exp with the wall clock, so it is checked against
	// the wall clock; this is the verifier, not the code under test.
	exp := time.Unix(claims.Exp, 0)
	now := time.Now()
	if !exp.After(now) || exp.After(now.Add(24*time.Hour)) {
		return "", time.Time{}, fmt.Errorf("exp %s not within 24h of %s", exp, now)
	}
	return claims.Sub, exp, nil
}

func decodeJSONPart(part string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// decrypt is the browser's side of RFC 8291 over RFC 8188 aes128gcm.
func (s *Service) decrypt(body []byte) ([]byte, error) {
	// Header: salt(16) | rs(4) | idlen(1) | keyid(idlen) — the keyid is
	// the sender's ephemeral public key.
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if len(body) < 21+idlen {
		return nil, errors.New("short keyid")
	}
	asPublic := body[21 : 21+idlen]
	ciphertext := body[21+idlen:]
	if len(ciphertext) > int(rs) || len(ciphertext) < 17 {
		// One record only: webpush-go never splits, and neither do
		// push services accept more than one 4096-byte record.
		return nil, fmt.Errorf("record of %d bytes with rs %d", len(ciphertext), rs)
	}
	asPub, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, fmt.Errorf("keyid: %w", err)
	}
	ecdhSecret, err := s.uaPriv.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	// RFC 8291 §3.4: IKM = HKDF(auth_secret, ecdh_secret,
	// "WebPush: info" || 0x00 || ua_public || as_public, 32).
	keyInfo := "WebPush: info\x00" + string(s.uaPriv.PublicKey().Bytes()) + string(asPublic)
	prkKey, err := hkdf.Extract(sha256.New, ecdhSecret, s.auth)
	if err != nil {
		return nil, err
	}
	ikm, err := hkdf.Expand(sha256.New, prkKey, keyInfo, 32)
	if err != nil {
		return nil, err
	}
	// RFC 8188 §2.2 and §2.3: CEK and NONCE from PRK = HKDF-Extract(salt, IKM).
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The single record has sequence number 0, so the nonce is used as is.
	padded, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	// Padding is zeros after a delimiter: 0x02 marks the last record.
	end := len(padded) - 1
	for end >= 0 && padded[end] == 0 {
		end--
	}
	if end < 0 || padded[end] != 0x02 {
		return nil, errors.New("no last-record delimiter 0x02")
	}
	return padded[:end], nil
}

// Package appio sends messages to citizens through App IO, the Italian
// public administration's app, with the API of IO's "services" (the
// `Ocp-Apim-Subscription-Key` of each organization's IO service): first
// the profile check (POST /api/v1/profiles: is the citizen in IO, and does
// the service's sender have their consent?), then the message (POST
// /api/v1/messages, 201 with the message id). Outcomes map onto the
// dispatcher's: a citizen without IO or who refused the service is a
// permanent "no" for this channel (e-mail and push still go), 429, 5xx,
// 401 and network failures are retried.
package appio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
)

// DefaultBaseURL is IO's production API.
const DefaultBaseURL = "https://api.io.pagopa.it"

// IO's limits on a message's content.
const (
	MinSubject, MaxSubject   = 10, 120
	MinMarkdown, MaxMarkdown = 80, 10000
)

// Errors Send returns, wrapped with the HTTP detail.
var (
	// ErrNoProfile: the codice fiscale has no IO profile (404).
	ErrNoProfile = errors.New("app io: no profile for this citizen")
	// ErrSenderNotAllowed: the citizen turned this service off in IO, or
	// the service may not write to them (profile sender_allowed false, or
	// 403 on the message).
	ErrSenderNotAllowed = errors.New("app io: sender not allowed")
	// ErrNotConfigured: the message's organization has no IO API key.
	ErrNotConfigured = errors.New("app io: organization has no IO service key")
)

// Config configures a Sender.
type Config struct {
	// BaseURL of IO's API; DefaultBaseURL when empty.
	BaseURL string
	// Keys maps an organization id to the API key of its IO service.
	Keys map[string]string
	// HTTPClient sends the requests; a client with a 15 s timeout when nil.
	HTTPClient *http.Client
	// Clock reads Retry-After dates; the wall clock when nil.
	Clock clock.Clock
}

// Outcome is what IO answered.
type Outcome struct {
	// Status is the HTTP status that decided (the profile check's 404 or
	// the message's 201); 0 when no answer came.
	Status int
	// MessageID is IO's id of a sent message.
	MessageID string
}

// Sender sends IO messages. It is safe for concurrent use.
type Sender struct {
	base   string
	keys   map[string]string
	client *http.Client
	clk    clock.Clock
}

// New returns a Sender.
func New(cfg Config) *Sender {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	keys := make(map[string]string, len(cfg.Keys))
	for k, v := range cfg.Keys {
		keys[k] = v
	}
	return &Sender{base: base, keys: keys, client: client, clk: clk}
}

// Enabled reports whether the organization has an IO service configured.
func (s *Sender) Enabled(organizationID string) bool { return s.keys[organizationID] != "" }

type profileAnswer struct {
	SenderAllowed bool `json:"sender_allowed"`
}

type messageContent struct {
	Subject  string `json:"subject"`
	Markdown string `json:"markdown"`
}

type newMessage struct {
	FiscalCode string         `json:"fiscal_code"`
	Content    messageContent `json:"content"`
}

type messageAnswer struct {
	ID string `json:"id"`
}

// Send checks the citizen's profile and sends m.
func (s *Sender) Send(ctx context.Context, m notify.IOMessage) (Outcome, error) {
	key := s.keys[m.OrganizationID]
	if key == "" {
		return Outcome{}, fmt.Errorf("%w: %w", notify.ErrPermanent, ErrNotConfigured)
	}
	if err := validate(m); err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", notify.ErrPermanent, err)
	}
	var prof profileAnswer
	status, err := s.post(ctx, key, "/api/v1/profiles", map[string]string{"fiscal_code": m.FiscalCode}, &prof)
	switch {
	case err != nil:
		return Outcome{Status: status}, err
	case status == http.StatusNotFound:
		return Outcome{Status: status}, fmt.Errorf("%w: %w", notify.ErrPermanent, ErrNoProfile)
	case status != http.StatusOK:
		return Outcome{Status: status}, s.unexpected("profile", status)
	case !prof.SenderAllowed:
		return Outcome{Status: status}, fmt.Errorf("%w: %w", notify.ErrPermanent, ErrSenderNotAllowed)
	}
	var ans messageAnswer
	status, err = s.post(ctx, key, "/api/v1/messages", newMessage{FiscalCode: m.FiscalCode,
		Content: messageContent{Subject: m.Subject, Markdown: m.Markdown}}, &ans)
	switch {
	case err != nil:
		return Outcome{Status: status}, err
	case status == http.StatusCreated:
		return Outcome{Status: status, MessageID: ans.ID}, nil
	case status == http.StatusNotFound:
		return Outcome{Status: status}, fmt.Errorf("%w: %w", notify.ErrPermanent, ErrNoProfile)
	case status == http.StatusForbidden:
		return Outcome{Status: status}, fmt.Errorf("%w: %w", notify.ErrPermanent, ErrSenderNotAllowed)
	}
	return Outcome{Status: status}, s.unexpected("message", status)
}

// retryAnswer carries a 429/5xx's Retry-After out of post.
type retryAnswer struct {
	status int
	after  time.Duration
}

func (r retryAnswer) Error() string { return "app io answered " + strconv.Itoa(r.status) }

// unexpected classifies a status Send has no meaning for: 400 and 422 are
// a message IO will never take (permanent), anything else (401 with a key
// being replaced, 5xx a proxy passed through) is worth retrying.
func (s *Sender) unexpected(step string, status int) error {
	if status == http.StatusBadRequest || status == http.StatusUnprocessableEntity {
		return fmt.Errorf("%w: app io %s: status %d", notify.ErrPermanent, step, status)
	}
	return &notify.RetryError{Err: fmt.Errorf("app io %s: status %d", step, status)}
}

// post sends one JSON request. 429 and 5xx come back as a RetryError with
// IO's Retry-After; a network failure as a RetryError too.
func (s *Sender) post(ctx context.Context, key, path string, body, out any) (int, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("%w: app io: %w", notify.ErrPermanent, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, bytes.NewReader(payload))
	if err != nil {
		return 0, fmt.Errorf("%w: app io: %w", notify.ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Ocp-Apim-Subscription-Key", key)
	res, err := s.client.Do(req)
	if err != nil {
		// The error may quote the URL, never the key (a header).
		return 0, &notify.RetryError{Err: fmt.Errorf("app io %s: %w", path, err)}
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return res.StatusCode, &notify.RetryError{After: retryAfter(res.Header.Get("Retry-After"), s.clk.Now()),
			Err: fmt.Errorf("app io %s: %w", path, retryAnswer{status: res.StatusCode})}
	}
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusCreated {
		if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(out); err != nil {
			return res.StatusCode, &notify.RetryError{Err: fmt.Errorf("app io %s: answer: %w", path, err)}
		}
		return res.StatusCode, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

// maxRetryAfter caps the wait IO can ask for.
const maxRetryAfter = 6 * time.Hour

func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}

func validate(m notify.IOMessage) error {
	if n := utf8.RuneCountInString(m.Subject); n < MinSubject || n > MaxSubject {
		return fmt.Errorf("app io: subject of %d characters (IO takes %d to %d)", n, MinSubject, MaxSubject)
	}
	if n := utf8.RuneCountInString(m.Markdown); n < MinMarkdown || n > MaxMarkdown {
		return fmt.Errorf("app io: markdown of %d characters (IO takes %d to %d)", n, MinMarkdown, MaxMarkdown)
	}
	if m.FiscalCode == "" {
		return errors.New("app io: no fiscal code")
	}
	return nil
}

// Attempt is one try at delivering an outbox message through App IO, as
// recorded.
type Attempt struct {
	OutboxID       string
	OrganizationID string
	Kind           string
	// Status is IO's HTTP answer that decided the outcome; 0 for none.
	Status      int
	IOMessageID string
	Error       string
	At          time.Time
}

// Recorder keeps attempts.
type Recorder interface {
	RecordAppIOAttempt(ctx context.Context, a Attempt) error
}

// Channel is the dispatcher's IO channel: it sends, then records the
// attempt with IO's answer (a failure to record is logged, not returned:
// the dispatcher would take it for IO's and could resend a delivered
// message).
func Channel(s *Sender, rec Recorder, clk clock.Clock, log *slog.Logger) func(context.Context, notify.IOMessage) error {
	return func(ctx context.Context, m notify.IOMessage) error {
		out, err := s.Send(ctx, m)
		a := Attempt{OutboxID: m.OutboxID, OrganizationID: m.OrganizationID, Kind: m.Kind, Status: out.Status,
			IOMessageID: out.MessageID, At: clk.Now()}
		if err != nil {
			a.Error = err.Error()
			log.Info("app io attempt", slog.String("outbox", m.OutboxID), slog.Int("status", out.Status), slog.String("err", a.Error))
		}
		if rerr := rec.RecordAppIOAttempt(context.WithoutCancel(ctx), a); rerr != nil {
			log.Error("record app io attempt", slog.String("outbox", m.OutboxID), slog.Any("err", rerr))
		}
		return err
	}
}

// Package appiotest is a local App IO for tests: the part of IO's
// services API Varco uses (profile check and message submission), with
// IO's validation of keys and content, profiles the test sets up, and
// failures it can inject.
package appiotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"unicode/utf8"
)

// Message is one message IO accepted.
type Message struct {
	ID         string
	Key        string
	FiscalCode string
	Subject    string
	Markdown   string
}

// Server is a local IO. Its zero value is not usable: call Start.
type Server struct {
	URL string

	mu       sync.Mutex
	keys     map[string]bool
	profiles map[string]bool // fiscal code → sender allowed
	fail     []int           // statuses the next message requests answer
	messages []Message
	requests int
}

// Start runs a local IO that accepts the given API keys, closed at the end
// of the test.
func Start(tb testing.TB, keys ...string) *Server {
	s := &Server{keys: map[string]bool{}, profiles: map[string]bool{}}
	for _, k := range keys {
		s.keys[k] = true
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// AddProfile registers a citizen in IO; allowed is whether they let the
// service write to them.
func (s *Server) AddProfile(fiscalCode string, allowed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profiles[fiscalCode] = allowed
}

// FailNext makes the next message submissions answer these statuses, in
// order (429 answers carry Retry-After: 1).
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Requests counts the requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	key := r.Header.Get("Ocp-Apim-Subscription-Key")
	if !s.keys[key] {
		problem(w, http.StatusUnauthorized, "Access denied due to invalid subscription key")
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		problem(w, http.StatusBadRequest, "POST with a JSON body expected")
		return
	}
	var body struct {
		FiscalCode string `json:"fiscal_code"`
		Content    *struct {
			Subject  string `json:"subject"`
			Markdown string `json:"markdown"`
		} `json:"content"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || len(body.FiscalCode) != 16 {
		problem(w, http.StatusBadRequest, "Invalid fiscal_code")
		return
	}
	allowed, exists := s.profiles[body.FiscalCode]
	switch r.URL.Path {
	case "/api/v1/profiles":
		if !exists {
			problem(w, http.StatusNotFound, "Profile not found")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"sender_allowed": allowed, "preferred_languages": []string{"it_IT"}})
	case "/api/v1/messages":
		if len(s.fail) > 0 {
			st := s.fail[0]
			s.fail = s.fail[1:]
			if st == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			problem(w, st, "injected failure")
			return
		}
		c := body.Content
		if c == nil || outside(c.Subject, 10, 120) || outside(c.Markdown, 80, 10000) {
			problem(w, http.StatusBadRequest, "Invalid content")
			return
		}
		if !exists {
			problem(w, http.StatusNotFound, "Recipient profile not found")
			return
		}
		if !allowed {
			problem(w, http.StatusForbidden, "Recipient blocked the sender")
			return
		}
		m := Message{ID: fmt.Sprintf("01IO%08d", len(s.messages)+1), Key: key, FiscalCode: body.FiscalCode, Subject: c.Subject, Markdown: c.Markdown}
		s.messages = append(s.messages, m)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": m.ID})
	default:
		problem(w, http.StatusNotFound, "Not found")
	}
}

func outside(s string, lo, hi int) bool {
	n := utf8.RuneCountInString(s)
	return n < lo || n > hi
}

// problem answers like IO: application/problem+json.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "title": http.StatusText(status), "detail": detail})
}

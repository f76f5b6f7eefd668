package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Gate is the part of varco.v1.GateService the device calls once enrolled.
// It is an interface so that tests can make the network fail at will;
// Remote is the real one.
type Gate interface {
	Scan(ctx context.Context, req *varcov1.ScanRequest) (*varcov1.ScanResponse, error)
	UploadScans(ctx context.Context, req *varcov1.UploadScansRequest) (*varcov1.UploadScansResponse, error)
	// Sync calls fn with each message of the stream, in order, until the
	// stream ends (nil), fails, or fn returns an error (returned as is).
	Sync(ctx context.Context, req *varcov1.SyncRequest, fn func(*varcov1.SyncResponse) error) error
}

// Remote is Gate over Connect, authenticated with the device credential.
type Remote struct {
	client     varcov1connect.GateServiceClient
	credential func() Secret
	lang       string
}

// NewRemote returns a Gate that calls the server at baseURL. credential is
// read at every call, so a credential forgotten after a revocation is not
// sent again. hc must not have an overall timeout (Sync is a long-lived
// stream); each call is bounded by its context instead.
func NewRemote(hc connect.HTTPClient, baseURL string, credential func() Secret, lang string) *Remote {
	return &Remote{client: varcov1connect.NewGateServiceClient(hc, baseURL), credential: credential, lang: lang}
}

func authorize[T any](r *Remote, msg *T) *connect.Request[T] {
	req := connect.NewRequest(msg)
	if c := r.credential(); c != "" {
		req.Header().Set("Authorization", "Bearer "+c.Reveal())
	}
	if r.lang != "" {
		req.Header().Set("Accept-Language", r.lang)
	}
	return req
}

// Scan asks the server to decide a scan.
func (r *Remote) Scan(ctx context.Context, req *varcov1.ScanRequest) (*varcov1.ScanResponse, error) {
	res, err := r.client.Scan(ctx, authorize(r, req))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

// UploadScans sends queued offline scans.
func (r *Remote) UploadScans(ctx context.Context, req *varcov1.UploadScansRequest) (*varcov1.UploadScansResponse, error) {
	res, err := r.client.UploadScans(ctx, authorize(r, req))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

// Sync follows the server's change stream.
func (r *Remote) Sync(ctx context.Context, req *varcov1.SyncRequest, fn func(*varcov1.SyncResponse) error) error {
	stream, err := r.client.Sync(ctx, authorize(r, req))
	if err != nil {
		return err
	}
	defer stream.Close()
	for stream.Receive() {
		if err := fn(stream.Msg()); err != nil {
			return err
		}
	}
	return stream.Err()
}

// NormalizeServerURL checks a server address given by the operator and
// returns it without a trailing slash.
func NormalizeServerURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("server address %q: want http(s)://host[:port]", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ErrAlreadyEnrolled: the store already holds a credential.
var ErrAlreadyEnrolled = errors.New("this directory already holds an enrolled device; use another --dir")

// Enroll trades a one-time enrollment code for the device credential and
// stores it, with the server address and the gate settings, before
// returning: the credential is shown by the server only once.
func Enroll(ctx context.Context, hc connect.HTTPClient, st *Store, serverURL, code, hardware string, now time.Time) (Settings, error) {
	base, err := NormalizeServerURL(serverURL)
	if err != nil {
		return Settings{}, err
	}
	if st.Credential() != "" {
		return Settings{}, ErrAlreadyEnrolled
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return Settings{}, errors.New("enrollment code missing")
	}
	res, err := varcov1connect.NewGateServiceClient(hc, base).Enroll(ctx,
		connect.NewRequest(&varcov1.EnrollRequest{EnrollmentCode: code, Hardware: hardware}))
	if err != nil {
		return Settings{}, fmt.Errorf("enroll: %w", err)
	}
	settings := settingsFromProto(res.Msg.GetSettings())
	st.Update(func(s *State) {
		s.ServerURL = base
		s.Credential = Secret(res.Msg.GetCredential())
		s.EnrolledAt = now
		s.Settings = settings
		s.DeviceRevoked = false
	})
	if err := st.Save(); err != nil {
		return Settings{}, fmt.Errorf("enrolled as %q but the credential could not be stored: %w", settings.Name, err)
	}
	return settings, nil
}

package browsertest

import (
	"context"
	"fmt"
	"sync"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// GrantPermissions grants origin (scheme://host:port) the named
// permissions ("notifications", "push", "camera", ...) in the tab's
// browser, as if the person had said yes to the prompt. "push" is granted
// for user-visible messages, the only kind browsers allow.
func GrantPermissions(ctx context.Context, origin string, names ...string) error {
	for _, name := range names {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, UserVisibleOnly: name == "push"},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		})
		if err != nil {
			return fmt.Errorf("browsertest: grant %s to %s: %w", name, origin, err)
		}
	}
	return nil
}

// Offline cuts the tab off the network (offline true) or reconnects it:
// its requests fail, its service worker's too, and navigator.onLine and
// the online/offline events follow.
func Offline(ctx context.Context, offline bool) error {
	_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &offline,
		MatchedNetworkConditions: []*network.Conditions{{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
		}},
	})
	if err != nil {
		return fmt.Errorf("browsertest: offline %v: %w", offline, err)
	}
	_, err = chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
	})
	if err != nil {
		return fmt.Errorf("browsertest: offline %v: %w", offline, err)
	}
	return nil
}

// Transfer is what loading a page cost on the wire.
type Transfer struct {
	// Bytes is the sum of every response's encoded size as received,
	// headers included (what DevTools calls "transferred").
	Bytes int64
	// Requests counts the responses that finished.
	Requests int
	// ByURL has the bytes of each URL.
	ByURL map[string]int64
}

// transferMeter follows the requests of one navigation.
type transferMeter struct {
	mu       sync.Mutex
	urls     map[network.RequestID]string
	inflight map[network.RequestID]bool
	t        Transfer
	idle     chan struct{} // signalled whenever nothing is in flight
}

func (m *transferMeter) listen(ev any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		m.urls[e.RequestID] = e.Request.URL
		m.inflight[e.RequestID] = true
	case *network.EventLoadingFinished:
		n := int64(e.EncodedDataLength)
		m.t.Bytes += n
		m.t.Requests++
		m.t.ByURL[m.urls[e.RequestID]] += n
		m.done(e.RequestID)
	case *network.EventLoadingFailed:
		m.done(e.RequestID)
	}
}

func (m *transferMeter) done(id network.RequestID) {
	delete(m.inflight, id)
	if len(m.inflight) == 0 {
		select {
		case m.idle <- struct{}{}:
		default:
		}
	}
}

// LoadTransfer loads url in the tab as a first visit (the HTTP cache
// disabled for the load) and returns the bytes transferred: every request
// the page made until its load event and until each of until (say, a
// chromedp.WaitVisible of the first screen's content) is done, and then
// until none of them is in flight. What the browser fetches later on its
// own (the icon, the manifest) may be missing, and requests a service
// worker makes for itself (precaching) are not the page's and are not
// counted.
func LoadTransfer(ctx context.Context, url string, until ...chromedp.Action[chromedp.Void]) (Transfer, error) {
	m := &transferMeter{urls: map[network.RequestID]string{}, inflight: map[network.RequestID]bool{},
		t: Transfer{ByURL: map[string]int64{}}, idle: make(chan struct{}, 1)}
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		return Transfer{}, err
	}
	defer func() {
		// Best effort: a failure here leaves only this test's tab uncached.
		_, _ = chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: false})
	}()
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := chromedp.Listen(lctx, m.listen); err != nil {
		return Transfer{}, err
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return Transfer{}, fmt.Errorf("browsertest: load %s: %w", url, err)
	}
	if err := chromedp.Do(ctx, until...); err != nil {
		return Transfer{}, fmt.Errorf("browsertest: load %s: %w", url, err)
	}
	for {
		m.mu.Lock()
		n := len(m.inflight)
		m.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-m.idle:
		case <-ctx.Done():
			return Transfer{}, ctx.Err()
		}
	}
	stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t, nil
}

package stir

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// An x5u is chosen by whoever signs the call, and the https/443/8443 rule
// keeps a monitor from being pointed at arbitrary services. A redirect
// must not take the fetch where the rule would not let it go.
func TestFetchRefusesRedirects(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Host+r.URL.RequestURI())
		mu.Unlock()
		switch r.URL.Path {
		case "/to-port-22":
			http.Redirect(w, r, "https://127.0.0.1:22/sp.pem", http.StatusFound)
		case "/to-query":
			http.Redirect(w, r, "/sp.pem?token=1", http.StatusMovedPermanently)
		case "/to-8443":
			http.Redirect(w, r, "https://127.0.0.1:8443/sp.pem", http.StatusTemporaryRedirect)
		case "/sp.pem":
			_, _ = w.Write(readTestdata(t, "libstirshaken-sp.pem"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	// The fetch keeps the rule (no AnyPort): every port it dials on
	// 127.0.0.1 reaches the test server, which tells what was asked.
	client := srv.Client()
	tr := client.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	client.Transport = tr
	f := NewFetcher(FetcherOptions{Client: client})
	if certs, err := f.Certs(context.Background(), "https://127.0.0.1:443/sp.pem"); err != nil || len(certs) != 1 {
		t.Fatalf("the lab itself: %v", err)
	}
	for _, path := range []string{"/to-port-22", "/to-query", "/to-8443"} {
		mu.Lock()
		asked = nil
		mu.Unlock()
		x5u := "https://127.0.0.1:443" + path
		certs, err := f.Certs(context.Background(), x5u)
		if !errors.Is(err, ErrCertUnavailable) || !strings.Contains(err.Error(), "redirect") || len(certs) != 0 {
			t.Errorf("%s: %d certificates, err %v; want ErrCertUnavailable naming the redirect", path, len(certs), err)
		}
		mu.Lock()
		if len(asked) != 1 {
			t.Errorf("%s: the server was asked for %q; want only the x5u", path, asked)
		}
		mu.Unlock()
	}
}

package stir

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures"
	"github.com/cutover/cutover/monitor"
)

var asyncNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func inviteEvent(raw []byte) monitor.Event {
	return monitor.Event{Time: asyncNow.UnixNano(), Kind: monitor.KindSIP, Source: monitor.SourceHEP, SIP: &monitor.SIPMessage{Raw: raw}}
}

// Past MaxIdentities SHAKEN headers the rest are not verified, and the
// verdict counts them; a verified one ends the search before the cap.
func TestIdentityHeadersCapped(t *testing.T) {
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	bad := testSigner{key: other, x5u: fixtures.X5U} // does not verify with the x5u's certificate
	good := testSigner{key: fixtures.SPKey(), x5u: fixtures.X5U}
	var hdrs []string
	for range 6 {
		hdrs = append(hdrs, "Identity: "+bad.identity(t, "A", "15551230001", "15557654321", asyncNow.Unix()))
	}
	hdrs = append(hdrs, "Identity: "+good.identity(t, "A", "15551230001", "15557654321", asyncNow.Unix()))
	v := fixturesVerifier(t)
	vd := verifyRaw(t, v, invite("15551230001", "15557654321", hdrs...), asyncNow)
	if vd.Result != BadSignature || vd.TooMany != 3 || vd.Identities != 7 {
		t.Fatalf("7 headers, the valid one last: %s, too many %d, identities %d", vd.Result, vd.TooMany, vd.Identities)
	}
	if m := vd.Monitor(); m.TooMany != 3 {
		t.Fatalf("the monitor verdict lost the count: %+v", m)
	}
	hdrs[2] = hdrs[6]
	if vd := verifyRaw(t, v, invite("15551230001", "15557654321", hdrs...), asyncNow); vd.Result != Valid || vd.TooMany != 0 {
		t.Fatalf("valid third header: %s, too many %d", vd.Result, vd.TooMany)
	}
}

// deliveries keeps what an Async delivers.
type deliveries struct {
	mu  sync.Mutex
	evs []monitor.Event
}

func (d *deliveries) add(ev monitor.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.evs = append(d.evs, ev)
}

func (d *deliveries) get() []monitor.Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]monitor.Event(nil), d.evs...)
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 20 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A warm certificate verifies inline: the same verdict as Verify, nothing
// delivered later.
func TestAsyncWarmIsInline(t *testing.T) {
	v := fixturesVerifier(t)
	var got deliveries
	a := v.Async(AsyncOptions{Deliver: got.add})
	defer a.Close(time.Second)
	raw := invite("+15551230001", "15557654321", "Identity: "+testSigner{key: fixtures.SPKey(), x5u: fixtures.X5U}.identity(t, "B", "15551230001", "15557654321", asyncNow.Unix()))
	ev := inviteEvent(raw)
	if !a.Annotate(&ev) {
		t.Fatal("not annotated")
	}
	if want := verifyRaw(t, v, raw, asyncNow).Monitor(); !reflect.DeepEqual(ev.SIP.Stir, want) || want.Result != "valid" {
		t.Fatalf("inline verdict %+v, Verify says %+v", ev.SIP.Stir, want)
	}
	if a.Annotate(&ev) {
		t.Fatal("annotated twice")
	}
	a.Close(time.Second)
	if st := a.Stats(); st.Inline != 1 || st.Deferred != 0 || len(got.get()) != 0 {
		t.Fatalf("stats %+v, delivered %d", st, len(got.get()))
	}
}

// heldCerts is an HTTPS x5u host on 127.0.0.1 that serves the fixtures'
// SP certificate once release is closed, and counts the requests.
type heldCerts struct {
	srv     *httptest.Server
	release chan struct{}
	hits    atomic.Int64
}

func newHeldCerts(t *testing.T) *heldCerts {
	h := &heldCerts{release: make(chan struct{})}
	h.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		select {
		case <-h.release:
		case <-r.Context().Done():
			return
		}
		w.Write(fixtures.SPCertPEM())
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *heldCerts) verifier(t *testing.T) *Verifier {
	v, err := NewVerifier(Options{Trust: fixtures.STIRPool(),
		Certs: NewFetcher(FetcherOptions{Client: h.srv.Client(), AnyPort: true})})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A certificate that must be fetched never holds Annotate: the event says
// its verdict follows, the fetches of one x5u are one request, and each
// verdict is delivered at its request's event time once the host answers.
// Then the certificate is warm and verifies inline.
func TestAsyncFetchFollows(t *testing.T) {
	h := newHeldCerts(t)
	x5u := h.srv.URL + "/sp.pem"
	var got deliveries
	a := h.verifier(t).Async(AsyncOptions{Deliver: got.add})
	defer a.Close(time.Second)
	signer := testSigner{key: fixtures.SPKey(), x5u: x5u}
	var refs []uint64
	for i := range 5 {
		raw := []byte(strings.Replace(string(invite("+15551230001", "15557654321", "Identity: "+signer.identity(t, "A", "15551230001", "15557654321", asyncNow.Unix()))),
			"a84b4c76e66710", "call"+string(rune('a'+i)), 1))
		ev := inviteEvent(raw)
		ev.Time += int64(i)
		if !a.Annotate(&ev) || ev.SIP.Stir.Result != monitor.StirPending || ev.SIP.Stir.Ref == 0 {
			t.Fatalf("request %d while the host holds the fetch: %+v", i, ev.SIP.Stir)
		}
		refs = append(refs, ev.SIP.Stir.Ref)
	}
	waitUntil(t, "the fetch at the host", func() bool { return h.hits.Load() > 0 })
	close(h.release)
	waitUntil(t, "five verdicts", func() bool { return len(got.get()) == 5 })
	seen := map[uint64]bool{}
	for _, ev := range got.get() {
		lv := ev.Verdict
		if ev.Kind != monitor.KindStirVerdict || ev.Source != monitor.SourceStir || lv == nil || lv.Verdict.Result != "valid" || lv.Verdict.Attest != "A" {
			t.Fatalf("delivered %+v %+v", ev, lv)
		}
		i := int(ev.Time - asyncNow.UnixNano())
		if i < 0 || i >= 5 || lv.Ref != refs[i] || lv.CallID != "call"+string(rune('a'+i))+"@192.0.2.10" {
			t.Fatalf("verdict %+v at %d is not its request's", lv, ev.Time)
		}
		seen[lv.Ref] = true
	}
	if len(seen) != 5 {
		t.Fatalf("verdicts for %d requests, want 5", len(seen))
	}
	if n := h.hits.Load(); n != 1 {
		t.Fatalf("%d fetches of one x5u, want 1", n)
	}
	ev := inviteEvent(invite("+15551230001", "15557654321", "Identity: "+signer.identity(t, "A", "15551230001", "15557654321", asyncNow.Unix())))
	if a.Annotate(&ev); ev.SIP.Stir.Result != "valid" {
		t.Fatalf("warm certificate: %+v", ev.SIP.Stir)
	}
	if st := a.Stats(); st.Inline != 1 || st.Deferred != 5 || st.Delivered != 5 {
		t.Fatalf("stats %+v", st)
	}
}

// With the workers busy and the queue full, a request is not verified
// (overloaded, counted) rather than waited for; Close then gives the
// fetches under way their grace, cancels them and delivers a verdict for
// every request it had taken.
func TestAsyncOverloadedAndClose(t *testing.T) {
	h := newHeldCerts(t)
	var got deliveries
	a := h.verifier(t).Async(AsyncOptions{Workers: 1, Queue: 1, Deliver: got.add})
	signer := testSigner{key: fixtures.SPKey(), x5u: h.srv.URL + "/sp.pem"}
	next := func() *monitor.StirVerdict {
		ev := inviteEvent(invite("+15551230001", "15557654321", "Identity: "+signer.identity(t, "A", "15551230001", "15557654321", asyncNow.Unix())))
		a.Annotate(&ev)
		return ev.SIP.Stir
	}
	if v := next(); v.Result != monitor.StirPending {
		t.Fatalf("first: %+v", v)
	}
	waitUntil(t, "the worker's fetch", func() bool { return h.hits.Load() > 0 })
	if v := next(); v.Result != monitor.StirPending {
		t.Fatalf("second (queued): %+v", v)
	}
	if v := next(); v.Result != monitor.StirOverloaded {
		t.Fatalf("third, queue full: %+v", v)
	}
	a.Close(50 * time.Millisecond)
	evs := got.get()
	if len(evs) != 2 || evs[0].Verdict.Verdict.Result != "cert-unavailable" || evs[1].Verdict.Verdict.Result != "cert-unavailable" {
		t.Fatalf("after Close, delivered %+v", evs)
	}
	signer.x5u = h.srv.URL + "/other.pem" // not cached: after Close, not verified
	if v := next(); v.Result != monitor.StirOverloaded {
		t.Fatalf("after Close: %+v", v)
	}
	if st := a.Stats(); st.Deferred != 2 || st.Overloaded != 2 || st.Delivered != 2 {
		t.Fatalf("stats %+v", st)
	}
}

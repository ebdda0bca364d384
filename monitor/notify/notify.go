package notify

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Options configure a Notifier.
type Options struct {
	Spec      Spec
	SlackURL  string         // the Slack webhook's URL, read from Spec.SlackEnv by the caller ("" = none)
	Config    monitor.Config // the cutover: its name, trunks and numbers label the alerts
	Recording string         // the recording's path, for the link back in the annotations
	Client    *http.Client   // nil: a client with Spec.Timeout
	Logger    *slog.Logger
	// Record, when set, records a receiver's change of health (failing,
	// delivering again) in the recording, as a note. It is called from
	// the receiver's goroutine, never from the fold's.
	Record func(text string)
	Now    func() time.Time // nil: time.Now
}

// Notifier pushes alert changes to the configured receivers. Offer never
// blocks; Run delivers until its context ends.
type Notifier struct {
	o      Options
	labels labeler
	sinks  []*sink

	mu     sync.Mutex
	firing map[string]Alert // open alerts by key, re-posted to Alertmanager
}

// New builds a Notifier for the receivers the spec names.
func New(o Options) *Notifier {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &o.Spec
	s.Resend = orDefault(s.Resend, DefaultResend)
	s.Timeout = orDefault(s.Timeout, DefaultTimeout)
	s.MaxBackoff = orDefault(s.MaxBackoff, DefaultMaxBackoff)
	if s.Queue <= 0 {
		s.Queue = DefaultQueue
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: s.Timeout}
	}
	n := &Notifier{o: o, labels: newLabeler(o.Config, o.Recording), firing: map[string]Alert{}}
	if s.Alertmanager != "" {
		n.add("alertmanager", s.Alertmanager+"/api/v2/alerts", alertmanagerBody, true)
	}
	if s.Webhook != "" {
		n.add("webhook", s.Webhook, webhookBody, false)
	}
	if o.SlackURL != "" {
		n.add("slack", o.SlackURL, slackBody, false)
	}
	return n
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (n *Notifier) add(name, url string, body func([]Alert, time.Time, time.Duration) ([]byte, error), resend bool) {
	n.sinks = append(n.sinks, &sink{n: n, name: name, url: url, body: body, resend: resend,
		wake: make(chan struct{}, 1), st: Stats{Name: name, State: "running"}})
}

// Offer takes the events handed to the recorder and queues the alert
// changes among them for every receiver. It never blocks: a full queue
// drops its oldest change (counted).
func (n *Notifier) Offer(evs []monitor.Event) {
	for i := range evs {
		ev := &evs[i]
		if ev.Kind != monitor.KindAlert || ev.Alert == nil {
			continue
		}
		a := n.alert(ev.Time, *ev.Alert)
		for _, s := range n.sinks {
			s.push(a)
		}
	}
}

// alert turns an alert change into a receiver's alert, and keeps the
// set of open ones (their start time, for the closing change too).
func (n *Notifier) alert(t int64, ch monitor.AlertChange) Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	key := ch.Key()
	start := time.Unix(0, t).UTC()
	if prev, ok := n.firing[key]; ok {
		start = prev.StartsAt
	}
	a := n.labels.alert(ch, start, time.Unix(0, t).UTC())
	if ch.Open {
		n.firing[key] = a
	} else {
		delete(n.firing, key)
	}
	return a
}

// open is the open alerts, for a re-post.
func (n *Notifier) open() []Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]Alert, 0, len(n.firing))
	for _, a := range n.firing {
		out = append(out, a)
	}
	return out
}

// Run delivers until ctx ends: one goroutine per receiver.
func (n *Notifier) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range n.sinks {
		wg.Go(func() { s.run(ctx) })
	}
	wg.Wait()
}

// Stats is every receiver's counts, in the order of Spec's fields.
func (n *Notifier) Stats() []Stats {
	out := make([]Stats, len(n.sinks))
	for i, s := range n.sinks {
		out[i] = s.stats()
	}
	return out
}

// Flush makes one last attempt (no backoff) to deliver what each
// receiver still holds, as a watch ends: the closing changes of its last
// moments. What is still queued after it is counted in Stats.Queued.
func (n *Notifier) Flush(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range n.sinks {
		wg.Go(func() {
			s.mu.Lock()
			s.nextTry = time.Time{}
			pending := len(s.q) > 0
			s.mu.Unlock()
			if pending {
				s.step(ctx, n.o.Now())
			}
		})
	}
	wg.Wait()
}

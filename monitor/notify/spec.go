// Package notify pushes the fold's alerts out of the war room: every alert
// that opens or closes goes to Alertmanager's v2 API, a generic JSON
// webhook and/or a Slack incoming webhook, through a bounded queue per
// receiver that never blocks the fold, with retries and backoff.
//
// It observes the recorded event stream (the fold's derived KindAlert
// events as they are handed to the recorder); the fold itself does no I/O.
package notify

import (
	"fmt"
	"net/url"
	"time"
)

// Spec is [alerts] in cutover.toml. Secrets are never in it: the Slack
// webhook's URL (which is its credential) is read from the environment
// variable SlackEnv.
type Spec struct {
	Alertmanager string        // Alertmanager's base URL: alerts go to BASE/api/v2/alerts ("" = none)
	Webhook      string        // a generic JSON webhook's URL ("" = none)
	WebhookEnv   string        // or the variable holding it, when its URL carries a token ("" = none)
	SlackEnv     string        // names the variable holding a Slack incoming webhook's URL ("" = none)
	Resend       time.Duration // how often open alerts are re-posted to Alertmanager
	Timeout      time.Duration // one POST's limit
	MaxBackoff   time.Duration // the longest wait between two attempts
	Queue        int           // alert changes held per receiver while it is down
}

// Defaults of [alerts].
const (
	DefaultResend     = time.Minute // Alertmanager's resolve_timeout is 5m: re-post well within it
	DefaultTimeout    = 5 * time.Second
	DefaultMaxBackoff = time.Minute
	DefaultQueue      = 1000
	MaxQueue          = 100_000
	firstBackoff      = time.Second
	batchMax          = 100 // alert changes in one POST
)

// Any reports whether the spec names a receiver.
func (s *Spec) Any() bool {
	return s != nil && (s.Alertmanager != "" || s.Webhook != "" || s.WebhookEnv != "" || s.SlackEnv != "")
}

// CheckURL says what is wrong with a receiver's URL written in the file:
// http or https, a host, and no credential in it.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("want an http:// or https:// URL, got %q", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("want an http:// or https:// URL with a host, got %q", raw)
	}
	if u.User != nil {
		return fmt.Errorf("a credential is never written in the file: remove the user:password@ from the URL")
	}
	return nil
}

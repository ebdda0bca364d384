// Package porting polls a carrier's porting API for the state of each
// port request and reports every change as a port-state event
// (monitor.KindPortState, Source porting), so the night learns when a
// number's port completes without anyone typing it.
//
// One generic HTTP poller serves every carrier: a URL template with
// {port_request_id}, auth headers whose values come from environment
// variables, where the status sits in the response (a Path), and a map
// from the carrier's status words onto cutover's port states. Presets
// (presets.go) give the shapes Telnyx, Bandwidth, Twilio and the
// runbook's generic endpoint document; cutover.toml's [porting] can
// override each part.
package porting

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
)

// Placeholder is replaced in URL by each port request's id (escaped).
const Placeholder = "{port_request_id}"

// Format is how a response body is decoded.
type Format string

const (
	FormatJSON Format = "json"
	FormatXML  Format = "xml" // Bandwidth's Dashboard API answers in XML
)

// Defaults for what Spec leaves at zero.
const (
	DefaultInterval   = time.Minute
	DefaultTimeout    = 10 * time.Second
	DefaultMaxBackoff = 10 * time.Minute
	DefaultMaxBody    = 1 << 20
	// MaxRetryAfter bounds how long a Retry-After can silence the poller.
	MaxRetryAfter = time.Hour
)

// Spec is a resolved [porting] section: a preset with the file's
// overrides applied. It names secrets by environment variable only.
type Spec struct {
	Preset string // "" when the file gives every part itself
	URL    string // with Placeholder
	Format Format
	// Headers are sent as written (Accept, a tenant id); SecretHeaders
	// map a header to the environment variable that holds its value.
	Headers       map[string]string
	SecretHeaders map[string]string
	// BearerEnv holds a token sent as "Authorization: Bearer TOKEN"
	// (Telnyx); BasicUserEnv and BasicPasswordEnv an HTTP Basic pair
	// (Twilio's account SID and auth token, Bandwidth's API user).
	BearerEnv        string
	BasicUserEnv     string
	BasicPasswordEnv string

	Status     Path // where the status word sits
	Activation Path // where the FOC / activation time sits (zero: nowhere)
	// StatusMap maps the carrier's status words (compared by StatusKey:
	// case, spaces, dashes and underscores do not matter) onto port states.
	StatusMap map[string]monitor.PortState
	// IDs maps a port_request_id of the file to the carrier's own id for
	// it (a Telnyx UUID, a Twilio KW… SID) when they differ.
	IDs map[string]string

	Interval   time.Duration // between polls of one request when all is well
	Timeout    time.Duration // one HTTP request, body included
	MaxBackoff time.Duration // the longest pause after repeated errors
	MaxBody    int64         // larger responses are refused

	keyed map[string]monitor.PortState // StatusMap by StatusKey, built by New
}

// StatusKey normalises a status word for matching: lower case, runs of
// spaces, dashes and underscores become one "_" ("In progress",
// "in-progress" and "IN_PROGRESS" are all "in_progress").
func StatusKey(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r == ' ' || r == '-' || r == '_' || r == '\t' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// state maps a status word, or reports it unknown.
func (s *Spec) state(word string) (monitor.PortState, bool) {
	st, ok := s.keyed[StatusKey(word)]
	return st, ok
}

func (s *Spec) withDefaults() {
	if s.Format == "" {
		s.Format = FormatJSON
	}
	if s.Interval <= 0 {
		s.Interval = DefaultInterval
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.MaxBackoff <= 0 {
		s.MaxBackoff = DefaultMaxBackoff
	}
	if s.MaxBackoff < s.Interval {
		s.MaxBackoff = s.Interval
	}
	if s.MaxBody <= 0 {
		s.MaxBody = DefaultMaxBody
	}
	s.keyed = make(map[string]monitor.PortState, len(s.StatusMap))
	for k, v := range s.StatusMap {
		s.keyed[StatusKey(k)] = v
	}
}

// Check reports what makes s unusable (the config reports it with the
// field's line; New refuses it too).
func (s Spec) Check() error {
	u, err := url.Parse(strings.ReplaceAll(s.URL, Placeholder, "x"))
	switch {
	case s.URL == "":
		return fmt.Errorf("url: missing")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("url: want an http:// or https:// URL, got %q", s.URL)
	case strings.Count(s.URL, Placeholder) != 1:
		return fmt.Errorf("url: want %s once in it, got %q", Placeholder, s.URL)
	case s.Format != "" && s.Format != FormatJSON && s.Format != FormatXML:
		return fmt.Errorf("format: want json or xml, got %q", s.Format)
	case s.Status.IsZero():
		return fmt.Errorf("status_path: missing")
	case len(s.StatusMap) == 0:
		return fmt.Errorf("status_map: empty")
	case s.BearerEnv != "" && (s.BasicUserEnv != "" || s.BasicPasswordEnv != ""):
		return fmt.Errorf("bearer_env: give a bearer token or a basic user and password, not both")
	case (s.BasicUserEnv == "") != (s.BasicPasswordEnv == ""):
		return fmt.Errorf("basic_user_env: basic authentication needs both basic_user_env and basic_password_env")
	}
	for k, v := range s.StatusMap {
		if StatusKey(k) == "" || !v.Valid() {
			return fmt.Errorf("status_map: %q = %q: want a status word and one of pending, approved, in_progress, completed, denied, cancelled", k, v)
		}
	}
	return nil
}

// requestURL is URL with id in place: path-escaped in the path,
// query-escaped after the "?".
func (s *Spec) requestURL(id string) string {
	i := strings.Index(s.URL, Placeholder)
	esc := url.PathEscape(id)
	if q := strings.IndexByte(s.URL, '?'); q >= 0 && q < i {
		esc = url.QueryEscape(id)
	}
	return s.URL[:i] + esc + s.URL[i+len(Placeholder):]
}

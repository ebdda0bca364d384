package config

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/porting"
)

// rawPorting is [porting]: a preset and what the file overrides of it.
type rawPorting struct {
	Preset           string            `toml:"preset"`
	BaseURL          string            `toml:"base_url"`
	URL              string            `toml:"url"`
	Format           string            `toml:"format"`
	Interval         string            `toml:"interval"`
	Timeout          string            `toml:"timeout"`
	MaxBackoff       string            `toml:"max_backoff"`
	MaxResponseBytes int64             `toml:"max_response_bytes"`
	StatusPath       string            `toml:"status_path"`
	ActivationPath   string            `toml:"activation_path"`
	Headers          map[string]string `toml:"headers"`
	SecretHeaders    map[string]string `toml:"secret_headers"`
	BearerEnv        string            `toml:"bearer_env"`
	BasicUserEnv     string            `toml:"basic_user_env"`
	BasicPasswordEnv string            `toml:"basic_password_env"`
	StatusMap        map[string]string `toml:"status_map"`
	IDs              map[string]string `toml:"ids"`
}

// Bounds of [porting].
const (
	MinPortingInterval = time.Second
	MaxPortingBody     = 64 << 20
)

// porting resolves [porting] (nil when the file has none): the preset's
// URL shape, status path and map, each overridden by what the file gives.
func (b *builder) porting(r *rawPorting, numbers []monitor.Number) *porting.Spec {
	if r == nil {
		return nil
	}
	s := &porting.Spec{Preset: r.Preset, Headers: map[string]string{}, StatusMap: map[string]monitor.PortState{}}
	var pr porting.Preset
	if r.Preset != "" {
		var ok bool
		if pr, ok = porting.LookupPreset(r.Preset); !ok {
			b.fail("porting.preset", "want one of %s (or none, giving url, status_path and status_map), got %q",
				strings.Join(porting.PresetNames(), ", "), r.Preset)
			return nil
		}
	}
	b.portingURL(s, r, pr)
	b.portingAuth(s, r, pr)
	b.portingStatus(s, r, pr)
	b.portingTimings(s, r)
	b.portingIDs(s, r, numbers)
	if b.err == nil {
		if err := s.Check(); err != nil {
			field, msg, _ := strings.Cut(err.Error(), ": ")
			b.fail("porting."+field, "%s", msg)
		}
	}
	return s
}

// portingURL: the file's url, or its base_url (else the preset's) and the
// preset's path; the format.
func (b *builder) portingURL(s *porting.Spec, r *rawPorting, pr porting.Preset) {
	s.URL = r.URL
	if s.URL == "" {
		base := strings.TrimRight(cmp.Or(r.BaseURL, pr.Base), "/")
		switch {
		case r.Preset == "":
			b.fail("porting.url", "give url = \"https://.../{port_request_id}\" (or a preset)")
		case base == "":
			b.fail("porting.base_url", "preset %q needs base_url (the API's root, such as %q), or url", r.Preset, presetBaseHint(r.Preset))
		}
		s.URL = base + pr.Path
	} else if r.BaseURL != "" {
		b.fail("porting.base_url", "give base_url or url, not both")
	}
	s.Format = porting.Format(cmp.Or(r.Format, string(pr.Format)))
}

// portingAuth: the preset's headers and the file's, which carry no
// credential; credentials only by environment variable.
func (b *builder) portingAuth(s *porting.Spec, r *rawPorting, pr porting.Preset) {
	for k, v := range pr.Headers {
		s.Headers[k] = v
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Proxy-Authorization") {
			b.fail("porting.headers."+k, "a credential is never written in the file: use bearer_env, basic_user_env and basic_password_env, or secret_headers")
		}
		s.Headers[k] = v
	}
	s.SecretHeaders = r.SecretHeaders
	s.BearerEnv, s.BasicUserEnv, s.BasicPasswordEnv = r.BearerEnv, r.BasicUserEnv, r.BasicPasswordEnv
	for field, env := range map[string]string{"bearer_env": r.BearerEnv, "basic_user_env": r.BasicUserEnv, "basic_password_env": r.BasicPasswordEnv} {
		if env != "" && !envName.MatchString(env) {
			b.fail("porting."+field, "want the name of an environment variable, got %q", env)
		}
	}
	for _, h := range sortedKeys(r.SecretHeaders) {
		if !envName.MatchString(r.SecretHeaders[h]) {
			b.fail("porting.secret_headers."+h, "want the name of an environment variable, got %q", r.SecretHeaders[h])
		}
	}
}

// portingStatus: where the status and the activation sit, and the
// preset's status words with the file's over them.
func (b *builder) portingStatus(s *porting.Spec, r *rawPorting, pr porting.Preset) {
	s.Status = b.path("porting.status_path", cmp.Or(r.StatusPath, pr.Status))
	if p := cmp.Or(r.ActivationPath, pr.Activation); p != "" {
		s.Activation = b.path("porting.activation_path", p)
	}
	for k, v := range pr.StatusMap {
		s.StatusMap[k] = v
	}
	for _, k := range sortedKeys(r.StatusMap) {
		st := monitor.PortState(r.StatusMap[k])
		if !st.Valid() {
			b.fail("porting.status_map."+k, "want pending, approved, in_progress, completed, denied or cancelled, got %q", r.StatusMap[k])
		}
		for prev := range s.StatusMap { // the file's word replaces the preset's spelling of it
			if porting.StatusKey(prev) == porting.StatusKey(k) {
				delete(s.StatusMap, prev)
			}
		}
		s.StatusMap[k] = st
	}
}

// portingTimings: the interval, timeout, backoff and body bound.
func (b *builder) portingTimings(s *porting.Spec, r *rawPorting) {
	s.Interval = b.duration("porting.interval", r.Interval, porting.DefaultInterval)
	if s.Interval < MinPortingInterval {
		b.fail("porting.interval", "poll a carrier at most once a second, got %q", r.Interval)
	}
	s.Timeout = b.duration("porting.timeout", r.Timeout, porting.DefaultTimeout)
	s.MaxBackoff = b.duration("porting.max_backoff", r.MaxBackoff, porting.DefaultMaxBackoff)
	s.MaxBody = r.MaxResponseBytes
	switch {
	case s.MaxBody == 0:
		s.MaxBody = porting.DefaultMaxBody
	case s.MaxBody < 0 || s.MaxBody > MaxPortingBody:
		b.fail("porting.max_response_bytes", "want 1 to %d bytes, got %d", MaxPortingBody, r.MaxResponseBytes)
	}
}

// portingIDs: there is a port request to poll, and the file's id map
// names only port requests the numbers have.
func (b *builder) portingIDs(s *porting.Spec, r *rawPorting, numbers []monitor.Number) {
	ids := map[string]bool{}
	for _, n := range numbers {
		if n.PortRequestID != "" {
			ids[n.PortRequestID] = true
		}
	}
	if len(ids) == 0 {
		b.fail("porting", "no [[numbers]] entry has a port_request_id to poll")
	}
	for _, k := range sortedKeys(r.IDs) {
		if !ids[k] {
			b.fail("porting.ids."+k, "%q is not the port_request_id of any [[numbers]] entry", k)
		}
	}
	s.IDs = r.IDs
}

func (b *builder) path(field, s string) porting.Path {
	p, err := porting.ParsePath(s)
	if err != nil {
		b.fail(field, "want a path such as \"data.status.value\" or \"data[0].attributes.status\": %v", err)
	}
	return p
}

func presetBaseHint(name string) string {
	if name == "bandwidth" {
		return "https://dashboard.bandwidth.com/api/accounts/ACCOUNT_ID"
	}
	return "https://porting.example.net"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// portingSummary is [porting] for `cutover check`: where, how often, the
// credentials' variables and whether they are set here.
func portingSummary(s *porting.Spec, numbers []monitor.Number) string {
	if s == nil {
		return ""
	}
	var envs []string
	for _, e := range []string{s.BearerEnv, s.BasicUserEnv, s.BasicPasswordEnv} {
		if e != "" {
			envs = append(envs, e)
		}
	}
	for _, h := range sortedKeys(s.SecretHeaders) {
		envs = append(envs, s.SecretHeaders[h])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  porting  %s %s every %s, %d port request(s)", cmp.Or(s.Preset, "custom"), s.URL, s.Interval, len(porting.RequestsOf(numbers)))
	for _, e := range envs {
		fmt.Fprintf(&b, ", $%s (%s)", e, envState(e))
	}
	b.WriteString("\n")
	return b.String()
}

package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor/notify"
)

// rawAlerts is [alerts]: where the fold's alerts are pushed.
type rawAlerts struct {
	Alertmanager    string `toml:"alertmanager"`
	Webhook         string `toml:"webhook"`
	WebhookEnv      string `toml:"webhook_env"`
	SlackWebhookEnv string `toml:"slack_webhook_env"`
	Resend          string `toml:"resend"`
	Timeout         string `toml:"timeout"`
	MaxBackoff      string `toml:"max_backoff"`
	Queue           int    `toml:"queue"`
}

// alerts resolves [alerts] (nil when the file has none).
func (b *builder) alerts(r *rawAlerts) *notify.Spec {
	if r == nil {
		return nil
	}
	s := &notify.Spec{Alertmanager: strings.TrimRight(r.Alertmanager, "/"), Webhook: r.Webhook, WebhookEnv: r.WebhookEnv, SlackEnv: r.SlackWebhookEnv,
		Resend:     b.duration("alerts.resend", r.Resend, notify.DefaultResend),
		Timeout:    b.duration("alerts.timeout", r.Timeout, notify.DefaultTimeout),
		MaxBackoff: b.duration("alerts.max_backoff", r.MaxBackoff, notify.DefaultMaxBackoff),
		Queue:      r.Queue}
	if s.Queue == 0 {
		s.Queue = notify.DefaultQueue
	}
	for field, u := range map[string]string{"alertmanager": r.Alertmanager, "webhook": r.Webhook} {
		if u == "" {
			continue
		}
		if err := notify.CheckURL(u); err != nil {
			b.fail("alerts."+field, "%v", err)
		}
	}
	if strings.HasSuffix(s.Alertmanager, "/api/v2/alerts") {
		b.fail("alerts.alertmanager", "give Alertmanager's base URL (such as \"http://127.0.0.1:9093\"): cutover posts to its /api/v2/alerts")
	}
	for field, v := range map[string]string{"slack_webhook_env": r.SlackWebhookEnv, "webhook_env": r.WebhookEnv} {
		if v != "" && !envName.MatchString(v) {
			b.fail("alerts."+field, "want the name of an environment variable holding the webhook's URL (its secret), got %q", v)
		}
	}
	if r.Webhook != "" && r.WebhookEnv != "" {
		b.fail("alerts.webhook_env", "give webhook or webhook_env, not both")
	}
	switch {
	case !s.Any():
		b.fail("alerts", "give alertmanager, webhook (or webhook_env) or slack_webhook_env (or remove [alerts])")
	case s.Resend < 10*time.Second:
		b.fail("alerts.resend", "re-post open alerts at most every 10s, got %q", r.Resend)
	case s.Timeout <= 0 || s.MaxBackoff <= 0:
		b.fail("alerts.timeout", "timeout and max_backoff must be above zero")
	case r.Queue < 0 || r.Queue > notify.MaxQueue:
		b.fail("alerts.queue", "want 1 to %d alert changes (0: %d), got %d", notify.MaxQueue, notify.DefaultQueue, r.Queue)
	}
	return s
}

// SlackURL reads the Slack webhook's URL (its secret) from the variable
// [alerts] slack_webhook_env names ("" and no error when none is named).
func SlackURL(s *notify.Spec) (string, error) {
	if s == nil {
		return "", nil
	}
	return urlFromEnv(s.SlackEnv, "the Slack webhook's URL")
}

// WebhookURL is the generic webhook's URL: [alerts] webhook, or read from
// the variable webhook_env names ("" and no error when neither is given).
func WebhookURL(s *notify.Spec) (string, error) {
	if s == nil || s.Webhook != "" {
		return s.Webhook, nil
	}
	return urlFromEnv(s.WebhookEnv, "the webhook's URL")
}

// urlFromEnv reads a URL that is a secret from the variable env ("" =
// none named: no URL).
func urlFromEnv(env, what string) (string, error) {
	if env == "" {
		return "", nil
	}
	v, ok := os.LookupEnv(env)
	if !ok || v == "" {
		return "", fmt.Errorf("environment variable %s (%s) is not set", env, what)
	}
	if err := notify.CheckURL(v); err != nil {
		return "", fmt.Errorf("environment variable %s (%s): %w", env, what, err)
	}
	return v, nil
}

// alertsSummary is `cutover check`'s line for [alerts] ("" without one).
func alertsSummary(s *notify.Spec) string {
	if !s.Any() {
		return ""
	}
	var to []string
	if s.Alertmanager != "" {
		to = append(to, "alertmanager "+s.Alertmanager)
	}
	if s.Webhook != "" {
		to = append(to, "webhook "+s.Webhook)
	}
	if s.WebhookEnv != "" {
		to = append(to, fmt.Sprintf("webhook from $%s (%s)", s.WebhookEnv, envState(s.WebhookEnv)))
	}
	if s.SlackEnv != "" {
		to = append(to, fmt.Sprintf("slack from $%s (%s)", s.SlackEnv, envState(s.SlackEnv)))
	}
	return fmt.Sprintf("  alerts   %s; re-posted every %s, %d queued at most per receiver\n", strings.Join(to, ", "), s.Resend, s.Queue)
}

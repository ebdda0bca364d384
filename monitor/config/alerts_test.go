package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor/notify"
)

const alertsBase = "name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n[alerts]\n"

func TestAlerts(t *testing.T) {
	f, err := Parse("c.toml", []byte(alertsBase+"alertmanager = \"http://127.0.0.1:9093/\"\nslack_webhook_env = \"SLACK_HOOK\"\nqueue = 50\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := notify.Spec{Alertmanager: "http://127.0.0.1:9093", SlackEnv: "SLACK_HOOK", Queue: 50,
		Resend: time.Minute, Timeout: 5 * time.Second, MaxBackoff: time.Minute}
	if f.Alerts == nil || *f.Alerts != want {
		t.Fatalf("got %+v, want %+v", f.Alerts, want)
	}
	if sum := f.Summary(); !strings.Contains(sum, "alerts   alertmanager http://127.0.0.1:9093, slack from $SLACK_HOOK (") {
		t.Errorf("check's summary: %s", sum)
	}
	t.Setenv("SLACK_HOOK", "")
	if _, err := SlackURL(f.Alerts); err == nil || !strings.Contains(err.Error(), "SLACK_HOOK") {
		t.Fatalf("unset variable: %v", err)
	}
	t.Setenv("SLACK_HOOK", "https://hooks.slack.com/services/T0/B0/x")
	if u, err := SlackURL(f.Alerts); err != nil || u != "https://hooks.slack.com/services/T0/B0/x" {
		t.Fatalf("%q %v", u, err)
	}
	if f, err = Parse("c.toml", []byte(alertsBase[:strings.Index(alertsBase, "[alerts]")])); err != nil || f.Alerts != nil {
		t.Fatalf("no [alerts]: %+v %v", f.Alerts, err)
	}
}

// A webhook whose URL carries a token is named by a variable, never
// written in the file: webhook_env.
func TestAlertsWebhookFromTheEnvironment(t *testing.T) {
	f, err := Parse("c.toml", []byte(alertsBase+"webhook_env = \"NOC_HOOK\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := f.Summary(); !strings.Contains(sum, "webhook from $NOC_HOOK (") {
		t.Errorf("check's summary: %s", sum)
	}
	t.Setenv("NOC_HOOK", "")
	if _, err := WebhookURL(f.Alerts); err == nil || !strings.Contains(err.Error(), "NOC_HOOK") {
		t.Fatalf("unset variable: %v", err)
	}
	t.Setenv("NOC_HOOK", "https://noc.example/hook?token=s3cret")
	if u, err := WebhookURL(f.Alerts); err != nil || u != "https://noc.example/hook?token=s3cret" {
		t.Fatalf("%q %v", u, err)
	}
	if f, err = Parse("c.toml", []byte(alertsBase+"webhook = \"http://h/x\"\n")); err != nil {
		t.Fatal(err)
	}
	if u, err := WebhookURL(f.Alerts); err != nil || u != "http://h/x" {
		t.Fatalf("webhook in the file: %q %v", u, err)
	}
}

func TestAlertsErrors(t *testing.T) {
	cases := []struct{ name, doc, field, msg string }{
		{"empty", "", "alerts", "give alertmanager, webhook (or webhook_env) or slack_webhook_env"},
		{"not a URL", "alertmanager = \"127.0.0.1:9093\"\n", "alerts.alertmanager", "http://"},
		{"credential", "webhook = \"https://u:p@hooks.example/x\"\n", "alerts.webhook", "never written in the file"},
		{"api path", "alertmanager = \"http://am:9093/api/v2/alerts\"\n", "alerts.alertmanager", "base URL"},
		{"slack URL in file", "slack_webhook_env = \"https://hooks.slack.com/x\"\n", "alerts.slack_webhook_env", "environment variable"},
		{"resend too often", "webhook = \"http://h/x\"\nresend = \"1s\"\n", "alerts.resend", "10s"},
		{"bad duration", "webhook = \"http://h/x\"\ntimeout = \"soon\"\n", "alerts.timeout", "duration"},
		{"queue", "webhook = \"http://h/x\"\nqueue = -1\n", "alerts.queue", "alert changes"},
		{"unknown key", "slack_webhook = \"https://hooks.slack.com/x\"\n", "alerts.slack_webhook", "unknown key"},
		{"webhook URL as its variable", "webhook_env = \"https://noc.example/hook\"\n", "alerts.webhook_env", "environment variable"},
		{"both webhooks", "webhook = \"http://h/x\"\nwebhook_env = \"NOC_HOOK\"\n", "alerts.webhook_env", "not both"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(alertsBase+tc.doc))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if ce.Field != tc.field || ce.Line < 6 || !strings.Contains(ce.Msg, tc.msg) {
				t.Errorf("got %q (line %d field %q), want field %q msg ~%q", err, ce.Line, ce.Field, tc.field, tc.msg)
			}
		})
	}
}

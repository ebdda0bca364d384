package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/porting"
)

// withPorting is the example file with its commented [porting] sample
// switched on.
func withPorting(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/cutover.toml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	on := false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "# [porting]"):
			on = true
		case on && !strings.HasPrefix(l, "#"):
			on = false
		}
		if on {
			lines[i] = strings.TrimPrefix(l, "# ")
		}
	}
	return strings.Join(lines, "\n")
}

func TestExamplePorting(t *testing.T) {
	f, err := Load("../../fixtures/cutover.toml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Porting != nil {
		t.Fatalf("the example's [porting] is commented out, got %+v", f.Porting)
	}
	f, err = Parse("cutover.toml", []byte(withPorting(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Porting
	if s == nil {
		t.Fatal("no [porting]")
	}
	if s.URL != "https://api.telnyx.com/v2/porting_orders/"+porting.Placeholder || s.Format != porting.FormatJSON {
		t.Errorf("url %q format %q", s.URL, s.Format)
	}
	if s.Status.String() != "data.status.value" || s.Activation.String() != "data.activation_settings.foc_datetime_actual" {
		t.Errorf("paths %s %s", s.Status, s.Activation)
	}
	if s.StatusMap["ported"] != monitor.PortCompleted || s.StatusMap["on-hold"] != monitor.PortPending {
		t.Errorf("status map %v", s.StatusMap)
	}
	if s.BearerEnv != "TELNYX_API_KEY" || s.SecretHeaders["X-Tenant-Key"] != "PORTING_TENANT_KEY" || s.Headers["Accept"] != "application/json" {
		t.Errorf("auth %+v", s)
	}
	if s.Interval != time.Minute || s.Timeout != 10*time.Second || s.MaxBackoff != 10*time.Minute || s.MaxBody != 1<<20 {
		t.Errorf("timings %s %s %s %d", s.Interval, s.Timeout, s.MaxBackoff, s.MaxBody)
	}
	if s.IDs["PR-20261124-01"] == "" {
		t.Errorf("ids %v", s.IDs)
	}
	if sum := f.Summary(); !strings.Contains(sum, "porting  telnyx https://api.telnyx.com/v2/porting_orders/{port_request_id} every 1m0s, 3 port request(s), $TELNYX_API_KEY") {
		t.Errorf("summary:\n%s", sum)
	}
}

// A preset's part the file overrides replaces it; base_url puts the
// preset's path on another host.
func TestPortingOverrides(t *testing.T) {
	src := strings.Replace(withPorting(t), `preset = "telnyx"`, `preset = "bandwidth"
base_url = "https://dashboard.bandwidth.com/api/accounts/9900000/"
basic_user_env = "BW_USER"
basic_password_env = "BW_PASSWORD"
status_path = "LnpOrderResponse.ProcessingStatus"`, 1)
	src = strings.Replace(src, `bearer_env = "TELNYX_API_KEY"`, "", 1)
	src = strings.Replace(src, `"on-hold" = "pending"`, `"foc" = "in_progress"`, 1)
	f, err := Parse("cutover.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Porting
	if s.URL != "https://dashboard.bandwidth.com/api/accounts/9900000/portins/{port_request_id}" || s.Format != porting.FormatXML {
		t.Errorf("url %q format %q", s.URL, s.Format)
	}
	if _, had := s.StatusMap["FOC"]; had || s.StatusMap["foc"] != monitor.PortInProgress || s.StatusMap["COMPLETE"] != monitor.PortCompleted {
		t.Errorf("status map %v", s.StatusMap)
	}
	if s.BasicUserEnv != "BW_USER" || s.BasicPasswordEnv != "BW_PASSWORD" {
		t.Errorf("auth %+v", s)
	}
}

// A bad [porting] is refused with its line and field.
func TestBadPorting(t *testing.T) {
	const trunk = "[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"192.0.2.1\"]\n"
	base := "name = \"x\"\n[[numbers]]\nnumber = \"+14155550101\"\nport_request_id = \"PR-1\"\n" + trunk + "[porting]\n" // [porting] on line 9
	for _, c := range []struct {
		body, field, msg string
		line             int
	}{
		{"preset = \"vonage\"\n", "porting.preset", "telnyx", 10},
		{"preset = \"generic\"\n", "porting.base_url", "base_url", 9},
		{"url = \"https://api.example/orders\"\nstatus_path = \"status\"\n[porting.status_map]\ndone = \"completed\"\n", "porting.url", "{port_request_id}", 10},
		{"preset = \"telnyx\"\nstatus_path = \"data..status\"\n", "porting.status_path", "path", 11},
		{"preset = \"telnyx\"\n[porting.status_map]\nported = \"done\"\n", "porting.status_map.ported", "completed", 12},
		{"preset = \"telnyx\"\ninterval = \"100ms\"\n", "porting.interval", "once a second", 11},
		{"preset = \"telnyx\"\ninterval = \"soon\"\n", "porting.interval", "duration", 11},
		{"preset = \"twilio\"\nbasic_user_env = \"TWILIO_SID\"\n", "porting.basic_user_env", "basic_password_env", 11},
		{"preset = \"twilio\"\nbearer_env = \"bad name\"\n", "porting.bearer_env", "environment variable", 11},
		{"preset = \"telnyx\"\n[porting.headers]\nAuthorization = \"Bearer abc\"\n", "porting.headers.Authorization", "never written", 12},
		{"preset = \"telnyx\"\napi_key = \"abc\"\n", "porting.api_key", "bearer_env", 11},
		{"preset = \"telnyx\"\n[porting.ids]\n\"PR-9\" = \"uuid\"\n", "porting.ids.PR-9", "PR-9", 12},
		{"preset = \"telnyx\"\nformat = \"csv\"\n", "porting.format", "json or xml", 11},
		{"preset = \"telnyx\"\nmax_response_bytes = -1\n", "porting.max_response_bytes", "bytes", 11},
	} {
		_, err := Parse("cutover.toml", []byte(base+c.body))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: err = %v", c.body, err)
			continue
		}
		if ce.Field != c.field || ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) {
			t.Errorf("%q:\n got %s (line %d, field %s)\nwant line %d, field %s, %q", c.body, ce, ce.Line, ce.Field, c.line, c.field, c.msg)
		}
	}
	_, err := Parse("cutover.toml", []byte("name = \"x\"\n[[numbers]]\nnumber = \"+14155550101\"\n"+trunk+"[porting]\npreset = \"telnyx\"\n"))
	if err == nil || !strings.Contains(err.Error(), "cutover.toml:8") || !strings.Contains(err.Error(), "port_request_id") {
		t.Errorf("no request to poll: %v", err)
	}
}

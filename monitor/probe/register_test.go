package probe

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/config"
)

// registrarLab points the trunk's registration at a sipp registrar
// (testdata/registrar.xml: alice / s3cret, 60 s granted).
func registrarLab(t *testing.T, password string) (*config.File, int) {
	port := freePort(t)
	f := lab(port)
	t.Setenv("CUTOVER_TEST_REG_PASSWORD", password)
	f.Trunks[0].Register = &config.Register{User: "alice", Realm: "lab.test", PasswordEnv: "CUTOVER_TEST_REG_PASSWORD", Expires: 300 * time.Second}
	return f, port
}

func waitRegistration(t *testing.T, s *sink, want monitor.RegState) []monitor.Event {
	t.Helper()
	return s.waitFor(t, "registration "+string(want), func(evs []monitor.Event) bool {
		for _, r := range registrations(evs) {
			if r.State == want {
				return true
			}
		}
		return false
	})
}

func TestRegisterAnswersTheDigestChallenge(t *testing.T) {
	f, port := registrarLab(t, "s3cret")
	sipp(t, port, "-sf", "testdata/registrar.xml")
	_, s := start(t, f, Options{Timeout: time.Second, RetryAfter: 100 * time.Millisecond})
	evs := waitRegistration(t, s, monitor.RegRegistered)
	var challenged, authorized bool
	for _, ev := range evs {
		if ev.SIP == nil {
			continue
		}
		raw := string(ev.SIP.Raw)
		challenged = challenged || strings.HasPrefix(raw, "SIP/2.0 401")
		if strings.HasPrefix(raw, "REGISTER ") && strings.Contains(raw, "Authorization: Digest") &&
			strings.Contains(raw, `username="alice"`) && strings.Contains(raw, `realm="lab.test"`) {
			authorized = true
		}
	}
	if !challenged || !authorized {
		t.Fatalf("want a 401 and a REGISTER with digest credentials:\n%s", dump(evs))
	}
	var reg monitor.RegistrationChange
	for _, r := range registrations(evs) {
		if r.State == monitor.RegRegistered {
			reg = r
		}
	}
	if reg.Code != 200 || reg.Expires != 60*time.Second {
		t.Fatalf("registered with code %d for %v, want 200 for the 60s granted (not the 300s asked)", reg.Code, reg.Expires)
	}
	tr := fold(t, f, evs)
	if tr.Registration != monitor.RegRegistered || tr.RegExpiresAt == 0 {
		t.Fatalf("fold: %s, expires at %d", tr.Registration, tr.RegExpiresAt)
	}
}

func TestRegisterRefusedIsFailed403(t *testing.T) {
	f, port := registrarLab(t, "wrong")
	sipp(t, port, "-sf", "testdata/registrar.xml")
	_, s := start(t, f, Options{Timeout: time.Second, RetryAfter: time.Hour})
	evs := waitRegistration(t, s, monitor.RegFailed)
	if r := registrations(evs)[0]; r.Code != 403 {
		t.Fatalf("failed with %d, want 403", r.Code)
	}
	if tr := fold(t, f, evs); tr.Registration != monitor.RegFailed || tr.RegCode != 403 {
		t.Fatalf("fold: %s %d", tr.Registration, tr.RegCode)
	}
}

func TestRegisterDeadPortIsTimeout(t *testing.T) {
	f, _ := registrarLab(t, "s3cret")
	_, s := start(t, f, Options{Timeout: 100 * time.Millisecond, RetryAfter: time.Hour})
	evs := waitRegistration(t, s, monitor.RegTimeout)
	if r := registrations(evs)[0]; r.Code != 408 {
		t.Fatalf("timed out with %d, want 408", r.Code)
	}
	if tr := fold(t, f, evs); tr.Registration != monitor.RegTimeout {
		t.Fatalf("fold: %s", tr.Registration)
	}
}

// The digest response in a recorded REGISTER can be cracked offline
// against the password, so the probe redacts it before anything is
// published; the rest of the header stays for the ladder.
func TestRegisterRecordsNoDigestResponse(t *testing.T) {
	f, port := registrarLab(t, "s3cret")
	sipp(t, port, "-sf", "testdata/registrar.xml")
	_, s := start(t, f, Options{Timeout: time.Second, RetryAfter: 100 * time.Millisecond})
	evs := waitRegistration(t, s, monitor.RegRegistered)
	responseParam := regexp.MustCompile(`(?i)response\s*=\s*("[^"]*"|[^,\s]*)`)
	var authorized int
	for _, ev := range evs {
		if ev.SIP == nil {
			continue
		}
		raw := string(ev.SIP.Raw)
		if strings.Contains(raw, "s3cret") {
			t.Fatalf("the password is in a published message:\n%s", raw)
		}
		for _, m := range responseParam.FindAllStringSubmatch(raw, -1) {
			if m[1] != `"<redacted>"` {
				t.Fatalf("a digest response is published (%s):\n%s", m[0], raw)
			}
		}
		if strings.HasPrefix(raw, "REGISTER ") && strings.Contains(raw, "Authorization: Digest") &&
			strings.Contains(raw, `username="alice"`) && strings.Contains(raw, `response="<redacted>"`) {
			authorized++
		}
	}
	if authorized == 0 {
		t.Fatalf("want the authorized REGISTER with its header kept and the response redacted:\n%s", dump(evs))
	}
}

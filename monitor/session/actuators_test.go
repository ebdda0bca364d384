package session

import (
	"testing"

	"github.com/cutover/cutover/monitor/action"
	"github.com/cutover/cutover/monitor/config"
)

// The file's TSIG algorithm reaches the actuator: a hmac-sha512 key signed
// with hmac-sha256 is refused by the server as BADKEY.
func TestFailoverActuatorTakesTheTSIGAlgorithm(t *testing.T) {
	t.Setenv("CUTOVER_TEST_TSIG_512", "c2VjcmV0")
	a, err := failoverActuator(config.FailoverTarget{Name: "sbc-srv", DNS: &config.DNSTarget{
		Server: "127.0.0.1:53", Zone: "example.", Name: "_sip._udp.example.", KeyName: "k.", KeySecretEnv: "CUTOVER_TEST_TSIG_512",
		Algorithm: "hmac-sha512", LegacyTarget: "legacy.example.", NewTarget: "new.example."}})
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := a.(*action.DNSSRV); !ok || d.Algorithm != "hmac-sha512" {
		t.Fatalf("actuator %#v, want a DNSSRV signing with hmac-sha512", a)
	}
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/fixtures"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/store"
)

const simTrunksTOML = `
name = "import with STIR"
default_country = "1"

[[trunks]]
name = "legacy"
role = "legacy"
uri = "sip:198.51.100.10:5060"
addrs = ["198.51.100.10"]

[[trunks]]
name = "new"
role = "new"
uri = "sip:203.0.113.20:5060"
addrs = ["203.0.113.20"]
`

// TestImportVerifiesIdentityWhenConfigured imports the simulator's night
// twice: with a [stir] trust store every initial INVITE is verified at
// ingest (outbound ones valid, inbound no-identity) and the verdict is
// recorded with the event; without one nothing is verified (the fold
// counts the attestation the header claims).
func TestImportVerifiesIdentityWhenConfigured(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "night.pcap")
	so := sim.DefaultOptions()
	so.Numbers, so.Length = 20, 30*time.Minute
	simCapture(t, pcap, so, 0)
	os.MkdirAll(filepath.Join(dir, "certs"), 0o755)
	os.WriteFile(filepath.Join(dir, "ca.pem"), fixtures.STIRCAPEM(), 0o644)
	os.WriteFile(filepath.Join(dir, "certs", "sp.pem"), fixtures.SPCertPEM(), 0o644)
	withStir := filepath.Join(dir, "stir.toml")
	os.WriteFile(withStir, []byte(simTrunksTOML+"\n[stir]\ntrust = \"ca.pem\"\ncerts = \"certs\"\noffline = true\n"), 0o644)
	without := filepath.Join(dir, "plain.toml")
	os.WriteFile(without, []byte(simTrunksTOML), 0o644)

	valid, other := importVerdicts(t, pcap, withStir, filepath.Join(dir, "stir.db"))
	if valid == 0 || other != 0 {
		t.Fatalf("with a trust store: %d valid verdicts, %d others; want every Identity valid", valid, other)
	}
	valid, other = importVerdicts(t, pcap, without, filepath.Join(dir, "plain.db"))
	if valid+other != 0 {
		t.Fatalf("without a trust store %d events carry a verdict", valid+other)
	}

	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(simTrunksTOML+"\n[stir]\ntrust = \"missing.pem\"\n"), 0o644)
	code, out, errOut := runCLI(t, "import", pcap, "-c", bad, "--db", filepath.Join(dir, "bad.db"), "--headless")
	if code != 1 || !strings.Contains(out+errOut, "stir.trust") {
		t.Fatalf("missing trust store: exit %d, %q", code, out+errOut)
	}
}

func importVerdicts(t *testing.T, pcap, cfg, db string) (valid, other int) {
	t.Helper()
	if code, out, errOut := runCLI(t, "import", pcap, "-c", cfg, "--db", db, "--headless"); code != 0 {
		t.Fatalf("import exit %d: %s%s", code, out, errOut)
	}
	r, err := store.OpenReader(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.SIP == nil || ev.SIP.Stir == nil {
			return nil
		}
		switch ev.SIP.Stir.Result {
		case "valid":
			valid++
		case "no-identity": // the simulator's inbound calls carry none
		default:
			other++
			t.Logf("%s %s %s", ev.SIP.Stir.Result, ev.SIP.Src, firstLine(ev.SIP.Raw))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return valid, other
}

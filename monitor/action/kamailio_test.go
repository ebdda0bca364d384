package action

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	labNew    = "sip:127.0.0.1:5060"
	labLegacy = "sip:127.0.0.1:5070"
)

// startKamailio runs fixtures/kamailio-outbound.cfg (dispatcher, htable,
// jsonrpcs over HTTP) on free ports and returns its JSON-RPC URL. The
// config is checked with kamailio -c first.
func startKamailio(t *testing.T) string {
	t.Helper()
	kam := needTool(t, "kamailio")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("../../fixtures/kamailio-outbound.cfg")
	if err != nil {
		t.Fatal(err)
	}
	rpcPort := freePort(t)
	s := strings.NewReplacer("LABDIR", dir, "SIPPORT", strconv.Itoa(freePort(t)), "RPCPORT", strconv.Itoa(rpcPort)).Replace(string(cfg))
	list := fmt.Sprintf("1 %s 0 10 duid=new\n1 %s 0 5 duid=legacy\n2 %s 0 10 duid=new\n", labNew, labLegacy, labNew)
	files := map[string]string{"kamailio.cfg": s, "dispatcher.list": list}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	if out, err := exec.Command(kam, "-c", "-f", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("kamailio -c: %v\n%s", err, out)
	}
	log := &lockedBuffer{}
	start(t, log, kam, "-f", cfgPath, "-P", filepath.Join(dir, "run", "kamailio.pid"), "-Y", filepath.Join(dir, "run"), "-DD", "-E")
	url := fmt.Sprintf("http://127.0.0.1:%d/RPC", rpcPort)
	rpc := &jsonRPC{URL: url}
	waitFor(t, 15*time.Second, "kamailio did not answer JSON-RPC", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return rpc.call(ctx, "dispatcher.list", nil, nil)
	}, log)
	return url
}

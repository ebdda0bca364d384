package config

import (
	"strings"
	"testing"
)

// [capture] reaches the File and `cutover check`; a name Linux would
// refuse is refused with its field and line.
func TestCaptureSection(t *testing.T) {
	f, err := Parse("c.toml", []byte("name = \"x\"\n"+topoTrunks+"[capture]\niface = \"eth0\"\nbpf = \"udp port 5060 or udp portrange 10000-20000\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Capture != (Capture{Iface: "eth0", BPF: "udp port 5060 or udp portrange 10000-20000"}) {
		t.Errorf("capture %+v", f.Capture)
	}
	if sum := f.Summary(); !strings.Contains(sum, "  capture  eth0 (AF_PACKET), filter \"udp port 5060 or udp portrange 10000-20000\"\n") {
		t.Errorf("summary:\n%s", sum)
	}
	f, err = Parse("c.toml", []byte("name = \"x\"\n"+topoTrunks+"[capture]\niface = \"lo\"\n"))
	if err != nil || !strings.Contains(f.Summary(), "  capture  lo (AF_PACKET), every packet\n") {
		t.Errorf("no filter: %v\n%s", err, f.Summary())
	}
	if f, _ := Parse("c.toml", []byte("name = \"x\"\n"+topoTrunks)); strings.Contains(f.Summary(), "capture") {
		t.Errorf("no [capture], yet the summary says:\n%s", f.Summary())
	}
	for _, bad := range []string{"eth0/1", "a very long name", "eth0:1", "..", "e\tx"} {
		_, err := Parse("c.toml", []byte("name = \"x\"\n"+topoTrunks+"[capture]\niface = \""+strings.ReplaceAll(bad, "\t", "\\t")+"\"\n"))
		if err == nil || !strings.Contains(err.Error(), "capture.iface") || !strings.Contains(err.Error(), "c.toml:7:") {
			t.Errorf("%q: err %v, want capture.iface at line 7", bad, err)
		}
	}
}

package capture

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cutover/cutover/fixtures/recording"
	"github.com/cutover/cutover/fixtures/sim"
	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipparse"
	"github.com/cutover/cutover/store"
)

func TestExportFiltersAndReadsBack(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers = 10
	r, err := store.OpenReader(recording.Demo(t, filepath.Join(t.TempDir(), "n.db"), o))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	num := sim.Config(o).Numbers[3].E164
	from, to := o.Start.Add(time.Hour).UnixNano(), o.Start.Add(90*time.Minute).UnixNano()

	var all, inWindow, ofNumber int
	calls := map[string]bool{}
	r.Events(context.Background(), 0, func(_ int64, ev monitor.Event) error {
		if ev.Kind != monitor.KindSIP {
			return nil
		}
		all++
		if ev.Time >= from && ev.Time < to {
			inWindow++
		}
		ev.SIP.Decode(sipparse.Parse)
		in := ev.SIP.Info
		if in.RURIUser == num || in.ToUser == num || in.FromUser == num || in.PAIUser == num || calls[in.CallID] {
			calls[in.CallID] = true
			ofNumber++
		}
		return nil
	})
	for _, c := range []struct {
		f    Filter
		want int
	}{
		{Filter{}, all},
		{Filter{From: from, To: to}, inWindow},
		{Filter{Number: num, Country: "1"}, ofNumber},
	} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf)
		if err := Export(context.Background(), r, c.f, w); err != nil {
			t.Fatal(err)
		}
		n, first := readBack(t, buf.Bytes())
		if n != c.want || n == 0 {
			t.Fatalf("filter %+v: %d messages read back, want %d", c.f, n, c.want)
		}
		if c.f.From != 0 && first.UnixNano() < c.f.From {
			t.Fatalf("first message at %s, before --from", first)
		}
	}
}

func readBack(t *testing.T, pcap []byte) (int, time.Time) {
	t.Helper()
	rd, err := pcapgo.NewReader(bytes.NewReader(pcap))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var first time.Time
	for {
		data, ci, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default)
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok || !bytes.Contains(udp.Payload, []byte("SIP/2.0")) {
			t.Fatalf("frame %d is not SIP over UDP", n)
		}
		if n == 0 {
			first = ci.Timestamp
		}
		n++
	}
	return n, first
}

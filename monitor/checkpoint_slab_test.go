package monitor

import (
	"fmt"
	"hash/fnv"
	"slices"
	"testing"
	"time"
)

// TestRestoredSlicesDoNotShare restores a series whose buckets' codes, MOS
// bins and buckets come from the decoder's shared slabs, then grows each
// the way the fold does, and expects its neighbours untouched: an append
// to a carved slice copies instead of writing into the next one's.
func TestRestoredSlicesDoNotShare(t *testing.T) {
	var a, b series
	for _, s := range []*series{&a, &b} {
		*s = newSeries(time.Minute, 4)
		for i := range int64(3) {
			bk := s.at((100+i)*int64(time.Minute), 103*int64(time.Minute))
			bk.Attempts = 1
			bk.Codes = addCode(bk.Codes, 486, 1)
			bk.Media.addMOS(3.9)
		}
	}
	w := wire{version: ckptVersion}
	w.series(&a)
	w.series(&b)
	r := reader{b: w.b, version: ckptVersion}
	var ra, rb series
	r.series(&ra)
	r.series(&rb)
	if r.err != nil || r.left() != 0 {
		t.Fatalf("decode: %v, %d bytes left", r.err, r.left())
	}
	wantB := cloneSeries(series{}, rb)
	for i := range ra.B {
		ra.B[i].Codes = addCode(ra.B[i].Codes, 503, 7)
		ra.B[i].Media.MOSBins = addBins(ra.B[i].Media.MOSBins, make([]uint32, mosBins+1))
		ra.B[i].Media.addMOS(1.0)
	}
	ra.at(104*int64(time.Minute), 104*int64(time.Minute)).Codes = []CodeCount{{Code: 200, Count: 1}}
	for i := range ra.B[:2] {
		if got := ra.B[i].Codes; !slices.Equal(got, []CodeCount{{486, 1}, {503, 7}}) {
			t.Errorf("bucket %d codes = %v", i, got)
		}
	}
	for i := range rb.B {
		if !slices.Equal(rb.B[i].Codes, wantB.B[i].Codes) || !slices.Equal(rb.B[i].Media.MOSBins, wantB.B[i].Media.MOSBins) {
			t.Errorf("the other series' bucket %d changed: codes %v bins %v", i, rb.B[i].Codes, rb.B[i].Media.MOSBins)
		}
	}
	if len(rb.B) != 3 || rb.B[2].Index != 102 {
		t.Errorf("the other series' buckets changed: %+v", rb.B)
	}
}

// TestConfigSumStreamedIsTheSame expects the checksum of a config of many
// numbers, hashed as it is written, to be the hash of its whole encoding,
// as recordings made before carry it.
func TestConfigSumStreamedIsTheSame(t *testing.T) {
	cfg := testConfig()
	for i := range 3000 {
		cfg.Numbers = append(cfg.Numbers, Number{E164: fmt.Sprintf("+1555%07d", i), PortRequestID: "PR-" + fmt.Sprint(i%7), PortState: PortPending})
	}
	s := NewState(cfg)
	w := wire{}
	w.config(&s.c.Cfg)
	if len(w.b) < 4*spillAt {
		t.Fatalf("the config's encoding is %d bytes: too short to be spilled", len(w.b))
	}
	h := fnv.New64a()
	h.Write(w.b)
	if got, want := s.configSum(), max(h.Sum64(), 1); got != want {
		t.Errorf("configSum = %x, the hash of the whole encoding %x", got, want)
	}
}

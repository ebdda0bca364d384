package monitor

import (
	"cmp"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor/media"
)

// The fold of media reports (KindMedia, issue 16). A report carries every
// stream of one call so far, so the fold keeps no streams: only what it
// needs to count the call's verdicts once, in core.MediaCalls, from the
// call's first report to its Final one. That outlives the call in the
// table of calls: a Final report comes after the BYE and a grace period,
// when the call may have gone.
//
// A call is judged (Stats.Media: Judged, OneWay, NoMedia) once, at its
// first report whose event time is at or past Answered + NoMediaAfter, in
// its trunk's and its number's bucket of that event time. Bad and MOS
// (its worst stream's) count once, at its Final report. A call no report
// named is never judged: a source that sees no media makes no call
// "no media".

// mediaCall is what the fold keeps of a call whose media is reported.
type mediaCall struct {
	Trunk    int   // the call's trunk (-1: none yet)
	Number   int   // the number it counted for (State.landingLeg; -1: none)
	Answered int64 // when the fold saw its 2xx (Unix ns; 0: not answered)
	Since    int64 // its first report's event time: the oldest are evicted first
	Judged   bool  // one-way and no-media counted
}

// MediaCounts are the media reports folded, and those the fold could not
// use.
type MediaCounts struct {
	Reports uint64 // KindMedia events folded
	Unknown uint64 // reports for a Call-ID the fold does not know (never seen, or forgotten): ignored
	Evicted uint64 // calls forgotten before their Final report because the table was full
}

// maxMediaCalls caps core.MediaCalls like the table of calls on trunks:
// past it the calls whose media was first reported longest ago are
// evicted, an eighth at a time, and counted.
const maxMediaCalls = maxTrunkCalls

// mediaBucket is a bucket's share of Stats.Media.
type mediaBucket struct {
	Judged, OneWay, NoMedia, Bad, MOSCount int32
	// MOSMilli adds up the calls' MOS in thousandths: an integer, small in
	// a checkpoint, and a mean exact to the third decimal.
	MOSMilli int64
	MOSBins  []uint32 // by MOSBin; nil while no call had a MOS
}

func (m *mediaBucket) zero() bool {
	return m.Judged == 0 && m.OneWay == 0 && m.NoMedia == 0 && m.Bad == 0 && m.MOSCount == 0 &&
		m.MOSMilli == 0 && m.MOSBins == nil
}

func (m *mediaBucket) addMOS(mos float64) {
	if m.MOSBins == nil {
		m.MOSBins = make([]uint32, mosBins)
	}
	m.MOSBins[MOSBin(mos)]++
	m.MOSCount++
	m.MOSMilli += int64(math.Round(mos * 1000))
}

func (m *mediaBucket) merge(o *mediaBucket) {
	m.Judged += o.Judged
	m.OneWay += o.OneWay
	m.NoMedia += o.NoMedia
	m.Bad += o.Bad
	m.MOSCount += o.MOSCount
	m.MOSMilli += o.MOSMilli
	m.MOSBins = addBins(m.MOSBins, o.MOSBins)
}

func (m *mediaBucket) addTo(s *MediaMix) {
	s.Judged += int(m.Judged)
	s.OneWay += int(m.OneWay)
	s.NoMedia += int(m.NoMedia)
	s.Bad += int(m.Bad)
	s.MOSCount += int(m.MOSCount)
	s.MOSSum += float64(m.MOSMilli) / 1000
	s.MOSBins = addBins(s.MOSBins, m.MOSBins)
}

// Add adds o's counts to m's (a report adding up windows of Stats).
func (m *MediaMix) Add(o MediaMix) {
	m.Judged += o.Judged
	m.OneWay += o.OneWay
	m.NoMedia += o.NoMedia
	m.Bad += o.Bad
	m.MOSCount += o.MOSCount
	m.MOSSum += o.MOSSum
	m.MOSBins = addBins(m.MOSBins, o.MOSBins)
}

// addBins adds src to dst element-wise, growing dst (nil stays nil when
// src is).
func addBins(dst, src []uint32) []uint32 {
	if len(src) > len(dst) {
		dst = append(dst, make([]uint32, len(src)-len(dst))...)
	}
	for i, n := range src {
		dst[i] += n
	}
	return dst
}

// cloneBins copies src into dst's memory; nil for nil.
func cloneBins(dst, src []uint32) []uint32 {
	if src == nil {
		return nil
	}
	return append(dst[:0], src...)
}

// applyMedia folds one media report at event time t.
func (s *State) applyMedia(t int64, r *MediaReport) {
	s.c.Media.Reports++
	mc, known := s.c.MediaCalls[r.CallID]
	if c := s.c.Calls[r.CallID]; c != nil { // the call may have found its trunk since
		mc.Trunk, mc.Number, mc.Answered = c.Trunk, c.Number, c.Answered
	} else if !known {
		s.c.Media.Unknown++
		return
	}
	if !known {
		mc.Since = t
	}
	s.judgeMedia(t, r, &mc)
	if r.Final {
		delete(s.c.MediaCalls, r.CallID)
		return
	}
	if s.c.MediaCalls == nil {
		s.c.MediaCalls = make(map[string]mediaCall)
	}
	s.c.MediaCalls[r.CallID] = mc
	if !known && len(s.c.MediaCalls) > maxMediaCalls {
		s.evictMediaCalls()
	}
}

// judgeMedia counts what report r at event time t decides of its call:
// one-way and no media at the first report NoMediaAfter past the answer,
// a bad stream and MOS at the Final one. Other reports decide nothing.
func (s *State) judgeMedia(t int64, r *MediaReport, mc *mediaCall) {
	// The report's Answered is when media became expected both ways: 0
	// while the call is on hold (or the tracker missed the 2xx), and then
	// one-way and no media are not judged. Its MOS still counts at the
	// end, from the answer the fold saw.
	due := r.Answered != 0 && !mc.Judged && t >= r.Answered+int64(s.c.Cfg.Thresholds.NoMediaAfter)
	answered := cmp.Or(r.Answered, mc.Answered)
	if !due && (!r.Final || answered == 0) {
		return
	}
	j := media.Judge(s.callMedia(r, answered), time.Unix(0, t), s.mediaThresholds())
	if due {
		mc.Judged = true
		s.mediaBuckets(t, mc, func(b *mediaBucket) {
			b.Judged++
			switch j.Verdict {
			case media.VerdictOneWay:
				b.OneWay++
			case media.VerdictNoMedia:
				b.NoMedia++
			}
		})
		s.mediaRules(t, mc, true)
	}
	if r.Final && (j.Verdict == media.VerdictBadStream || j.MOS > 0) {
		s.mediaBuckets(t, mc, func(b *mediaBucket) {
			if j.Verdict == media.VerdictBadStream {
				b.Bad++
			}
			if j.MOS > 0 {
				b.addMOS(j.MOS)
			}
		})
		s.mediaRules(t, mc, false)
	}
}

// callMedia is a report's streams by direction, for media.Judge, in
// memory the State keeps for it (media.Judge keeps none of it).
func (s *State) callMedia(r *MediaReport, answered int64) media.CallMedia {
	cm := r.callMedia(answered, s.judgeBuf[0][:0], s.judgeBuf[1][:0])
	s.judgeBuf = [2][]media.Stats{cm.Forward, cm.Reverse}
	return cm
}

func (s *State) mediaThresholds() media.Thresholds { return s.c.Cfg.Thresholds.MediaThresholds() }

// mediaBuckets runs f on the media counters of the call's trunk bucket
// and number bucket at t.
func (s *State) mediaBuckets(t int64, mc *mediaCall, f func(*mediaBucket)) {
	if mc.Trunk >= 0 && mc.Trunk < len(s.c.Trunks) {
		if b := s.c.Trunks[mc.Trunk].W.at(t, s.c.Now); b != nil {
			f(&b.Media)
		}
	}
	if mc.Number >= 0 && mc.Number < len(s.c.Numbers) {
		if b := s.c.Numbers[mc.Number].W.at(t, s.c.Now); b != nil {
			f(&b.Media)
		}
	}
}

// evictMediaCalls forgets the calls whose media was first reported
// longest ago until an eighth of the cap is free, and counts them.
func (s *State) evictMediaCalls() {
	type aged struct {
		id    string
		since int64
	}
	all := make([]aged, 0, len(s.c.MediaCalls))
	for id, mc := range s.c.MediaCalls {
		all = append(all, aged{id, mc.Since})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].since != all[j].since {
			return all[i].since < all[j].since
		}
		return strings.Compare(all[i].id, all[j].id) < 0
	})
	n := len(all) - (maxMediaCalls - maxMediaCalls/8)
	for _, a := range all[:n] {
		delete(s.c.MediaCalls, a.id)
	}
	s.c.Media.Evicted += uint64(n)
}

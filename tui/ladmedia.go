package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
	"github.com/cutover/cutover/monitor/termsafe"
)

// The call view's media (issue 16): the verdict of the call's latest
// media report, judged with the config's thresholds at the report's event
// time (media.Judge, as the fold judges it), and a row per stream: its
// direction, 5-tuple, codec, packets, loss, jitter, largest gap between
// packets and MOS, with a bar each for loss and jitter against their
// thresholds (half full at the threshold, red past it).

const (
	lmDir = iota
	lmPath
	lmCodec
	lmPackets
	lmLost
	lmLossBar
	lmJitter
	lmJitterBar
	lmMaxDelta
	lmMOS
)

var streamColumns = []column{
	{id: lmDir, title: "direction", w: 13, prio: 0},
	{id: lmPath, title: "src → dst", w: 37, prio: 3}, // under 107 columns: a line of its own under the stream's
	{id: lmCodec, title: "codec", w: 6, prio: 0},
	{id: lmPackets, title: "packets", w: 7, right: true, prio: 0},
	{id: lmLost, title: "lost", w: 5, right: true, prio: 0},
	{id: lmLossBar, title: "", w: 6, prio: 2},
	{id: lmJitter, title: "jitter", w: 7, right: true, prio: 0},
	{id: lmJitterBar, title: "", w: 6, prio: 2},
	{id: lmMaxDelta, title: "max Δ", w: 7, right: true, prio: 1},
	{id: lmMOS, title: "MOS", w: 4, right: true, prio: 0},
}

// mediaLines is the call's media in at most limit lines (the streams cut
// with a note when there are more): a verdict line, then the streams.
func (v *ladderView) mediaLines(w, limit int) []string {
	st := v.c.st
	r := v.log.Media
	invite, answered := callState(v.log.Messages)
	if r == nil && !invite {
		return nil // an OPTIONS, a REGISTER: no call, no media
	}
	if r == nil && !answered {
		return []string{st.ColHeader.Render("  media ") + st.Muted.Render(" none: the call was not answered")}
	}
	if r == nil {
		return []string{st.ColHeader.Render("  media ") + st.Muted.Render(" no media seen (no RTP source watched this call)")}
	}
	th := v.c.lim.MediaThresholds()
	j := r.Judge(v.log.MediaAt, th)
	head := st.ColHeader.Render("  media ") + " " + verdictText(st, j) +
		st.Muted.Render(" · "+mediaAsOf(r, v.log.MediaAt))
	lines := []string{fit(head, w)}
	if len(r.Streams) == 0 {
		return append(lines, st.Muted.Render("  no RTP either way"))
	}
	cols := chooseColumns(streamColumns, w)
	lines = append(lines, headerRow(st, cols, w, -1, ""))
	per := 2 // a stream's row, and its addresses under it
	for _, c := range cols {
		if c.id == lmPath {
			per = 1
		}
	}
	room := max(limit-len(lines), 1)
	n := len(r.Streams)
	shown := n
	if n*per > room {
		shown = max((room-1)/per, 0)
	}
	for i := range shown {
		lines = append(lines, tableRows(st, cols, w, i, i+1, -1, false, func(i int, c column) cell {
			return streamCell(st, &r.Streams[i], c, th)
		})...)
		if per == 2 {
			lines = append(lines, st.Muted.Render(fit("  "+streamCell(st, &r.Streams[i], column{id: lmPath}, th).text, w)))
		}
	}
	if shown < n {
		lines = append(lines, st.Muted.Render("  +"+strconv.Itoa(n-shown)+" more streams"))
	}
	return lines
}

// verdictText is a judgement for the screen: the verdict, red unless ok
// (pending is muted), and its reason.
func verdictText(st *Styles, j media.Judgement) string {
	word := j.Verdict.String()
	s := st.Bad
	switch j.Verdict {
	case media.VerdictOK:
		s = st.OK
	case media.VerdictPending, media.VerdictUnanswered:
		s = st.Muted
	}
	out := s.Render(word)
	if j.Reason != "" {
		out += " " + termsafe.Line(j.Reason)
	}
	return out
}

// mediaAsOf says which report the view shows: its time, whether the
// call's media had ended, and what it was made from.
func mediaAsOf(r *monitor.MediaReport, at int64) string {
	s := "report of " + clock(at, "15:04:05")
	if r.Final {
		s += " (final)"
	} else {
		s += " (media still flowing)"
	}
	if r.Origin != "" {
		s += " · from " + termsafe.Line(r.Origin)
	}
	return s
}

// streamCell is one stream's cell in column c.
func streamCell(st *Styles, s *monitor.MediaStream, c column, th media.Thresholds) cell {
	x := &s.Stats
	switch c.id {
	case lmDir:
		if s.Forward {
			return cell{text: "caller→callee"}
		}
		return cell{text: "callee→caller"}
	case lmPath:
		return cell{text: s.Src.String() + " → " + s.Dst.String()}
	case lmCodec:
		name := x.Codec
		if name == "" {
			name = "pt " + strconv.Itoa(int(x.PayloadType))
		}
		return netCell(st.Text, name)
	case lmPackets:
		return cell{text: thousands(x.Packets)}
	case lmLost:
		t := strconv.FormatFloat(100*x.LossFraction(), 'f', 1, 64) + "%"
		if x.LossFraction() > th.MaxLoss {
			return cell{t, st.Bad.Render(t)}
		}
		return cell{text: t}
	case lmLossBar:
		return meterCell(st, x.LossFraction()/th.MaxLoss, c.w)
	case lmJitter:
		t := msText(x.Jitter)
		if x.Jitter > th.MaxJitter {
			return cell{t, st.Bad.Render(t)}
		}
		return cell{text: t}
	case lmJitterBar:
		return meterCell(st, float64(x.Jitter)/float64(th.MaxJitter), c.w)
	case lmMaxDelta:
		return cell{text: msText(x.MaxDelta)}
	case lmMOS:
		if x.Packets == 0 {
			return cell{text: "—"}
		}
		mos := media.MOS(*x, 0)
		t := strconv.FormatFloat(mos, 'f', 2, 64)
		if mos < th.MinMOS {
			return cell{t, st.Bad.Render(t)}
		}
		return cell{t, st.OK.Render(t)}
	}
	return cell{}
}

// meterCell draws a figure against its threshold (f = figure/threshold)
// as a bar w cells wide: half full at the threshold, full at twice it,
// red past it.
func meterCell(st *Styles, f float64, w int) cell {
	n := min(int(f*float64(w)/2+0.5), w)
	if f > 0 && n == 0 {
		n = 1
	}
	t := strings.Repeat("█", n) + strings.Repeat("░", w-n)
	if f > 1 {
		return cell{t, st.Bad.Render(t)}
	}
	return cell{t, st.OK.Render(strings.Repeat("█", n)) + st.Muted.Render(strings.Repeat("░", w-n))}
}

// msText is a duration in milliseconds, one decimal: "12.5ms".
func msText(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
}

// callState says whether msgs hold an INVITE (a call, which may have
// media) and a 2xx answering one.
func callState(msgs []CallMessage) (invite, answered bool) {
	for _, m := range msgs {
		if m.SIP == nil || m.SIP.Info == nil || m.SIP.Info.Method != "INVITE" {
			continue
		}
		invite = true
		answered = answered || !m.SIP.Info.Request && m.SIP.Info.Code/100 == 2
	}
	return invite, answered
}

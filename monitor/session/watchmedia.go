package session

import (
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/mediatrack"
)

// liveMedia is a live watch's media over HEP: the collector's SIP tells the
// tracker each call's SDP, answer and end, and the RTCP reports rtpengine
// or heplify send (monitor/hep OnMedia) are the streams' figures. The
// tracker's reports are events like any other: recorded, folded, replayed.
// An interface capture has its own tracker inside its reader (it sees the
// RTP packets themselves).
type liveMedia struct{ t *mediatrack.Tracker }

func newLiveMedia(th monitor.Thresholds, src monitor.Source) liveMedia {
	return liveMedia{t: mediatrack.New(mediatrack.Options{NoMediaAfter: th.NoMediaAfter, Source: src})}
}

// onMedia is the collector's OnMedia.
func (m liveMedia) onMedia(at int64, callID, origin string, st monitor.MediaStream) {
	m.t.External(at, callID, origin, st)
}

// tap wraps publish: the reports due by an event's time go out first,
// then the event, and a SIP message is shown to the tracker.
func (m liveMedia) tap(publish func(monitor.Event) bool) func(monitor.Event) bool {
	return func(ev monitor.Event) bool {
		m.t.Due(ev.Time, func(r monitor.Event) { publish(r) })
		if ev.Kind == monitor.KindSIP && ev.SIP != nil && !ev.Quarantined {
			m.t.SIP(ev.Time, ev.SIP)
		}
		return publish(ev)
	}
}

// stop makes the final report of every call still tracked when the watch
// stops (its media as far as seen) and publishes it: Publish still queues
// once the watch's context has ended, so the recording has it.
func (m liveMedia) stop(publish func(monitor.Event)) {
	m.t.Flush(time.Now().UnixNano(), publish)
}

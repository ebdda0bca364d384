package monitor

import (
	"net/netip"
	"time"

	"github.com/cutover/cutover/monitor/media"
)

// MediaReport is what ingest has seen of one call's media so far
// (KindMedia). RTP runs at 50 packets a second per direction, so packets
// are never events: ingest (monitor/mediatrack) keeps a tracker per
// stream, matched to its call through the SDP offer and answer, and
// records a report of the call's streams every few seconds while its
// media flows, once when NoMediaAfter has passed since the answer (so a
// silent call is judged too), and once at its end (Final). The fold keeps
// the latest report per call and judges it at the report's event time, so
// a replay shows the media KPIs the live run showed, at the same time.
type MediaReport struct {
	CallID string
	// Answered is when the tracker saw the 2xx to the call's INVITE (Unix
	// ns; 0: not answered yet).
	Answered int64
	// Streams are every stream seen so far, in the order they started.
	// Empty in a report made NoMediaAfter past the answer means no RTP
	// either way.
	Streams []MediaStream `json:",omitempty"`
	// Final: the call's media is over (BYE or CANCEL seen and a grace
	// period passed, or no packet for a long while): no more reports.
	Final bool `json:",omitempty"`
	// Origin is what the figures were made from: MediaFromRTP (packets
	// seen on the wire) or MediaFromRTCP (receiver reports, as rtpengine
	// and heplify send them over HEP).
	Origin string
}

// The origins of a MediaReport.
const (
	MediaFromRTP  = "rtp"
	MediaFromRTCP = "rtcp"
)

// MediaStream is one RTP stream of a call, one direction, as a 5-tuple
// (UDP Src to Dst): an SBC with a media relay (rtpengine) relays with the
// same SSRC on both legs, so the SSRC alone does not name a stream.
type MediaStream struct {
	Src, Dst netip.AddrPort
	// Forward: caller to callee (sent to the address of an SDP in a
	// response: the answer's side). Otherwise callee to caller (sent to
	// the address of an SDP in a request: the offer's side).
	Forward bool
	Stats   media.Stats
}

// MediaThresholds are the thresholds a call's media is judged by
// (media.Judge): the config's, their zero fields defaulted.
func (t Thresholds) MediaThresholds() media.Thresholds {
	t = t.mediaDefaults(DefaultThresholds())
	return media.Thresholds{NoMediaAfter: t.NoMediaAfter, MaxLoss: t.MediaMaxLoss, MaxJitter: t.MediaMaxJitter, MinMOS: t.MOSMin}
}

// MediaLimits is t with its zero media fields defaulted: what the screen
// colours the media columns by (OneWayRateMax, NoMediaRateMax, MOSMin).
func (t Thresholds) MediaLimits() Thresholds { return t.mediaDefaults(DefaultThresholds()) }

// CallMedia is the report's streams by direction, for media.Judge.
func (r *MediaReport) CallMedia() media.CallMedia { return r.callMedia(r.Answered, nil, nil) }

// callMedia is CallMedia answered at answered (Unix ns, 0: not), its
// streams appended to fwd and rev (the fold reuses them: no allocation).
func (r *MediaReport) callMedia(answered int64, fwd, rev []media.Stats) media.CallMedia {
	c := media.CallMedia{Forward: fwd, Reverse: rev}
	if answered != 0 {
		c.Answered = time.Unix(0, answered)
	}
	for i := range r.Streams {
		if r.Streams[i].Forward {
			c.Forward = append(c.Forward, r.Streams[i].Stats)
		} else {
			c.Reverse = append(c.Reverse, r.Streams[i].Stats)
		}
	}
	return c
}

// Judge is media.Judge of the report at event time at.
func (r *MediaReport) Judge(at int64, th media.Thresholds) media.Judgement {
	return media.Judge(r.CallMedia(), time.Unix(0, at), th)
}

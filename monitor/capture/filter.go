package capture

import (
	"context"
	"errors"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/sipmsg"
	"github.com/cutover/cutover/monitor/sipparse"
)

// Filter picks the SIP messages to export. Zero fields match everything.
type Filter struct {
	CallID  string
	Number  string // E.164: every message of a dialog whose request URI, From, To or P-Asserted-Identity is this number
	Country string // default country code for normalising national numbers
	From    int64  // event time, Unix ns, inclusive (0 = from the start)
	To      int64  // event time, Unix ns, exclusive (0 = to the end)
}

// Recording is what an export reads. store.Reader implements it.
type Recording interface {
	SeqBefore(tsNs int64) (int64, error)
	Events(ctx context.Context, afterSeq int64, fn func(seq int64, ev monitor.Event) error) error
}

var errDone = errors.New("capture: past the end of the window")

// Export writes the recorded SIP messages that f matches to w, in
// recording order, with their original timestamps.
func Export(ctx context.Context, src Recording, f Filter, w *Writer) error {
	var after int64
	if f.From != 0 {
		var err error
		if after, err = src.SeqBefore(f.From); err != nil {
			return err
		}
	}
	calls := map[string]bool{} // dialogs that matched --number
	err := src.Events(ctx, after, func(_ int64, ev monitor.Event) error {
		if f.To != 0 && ev.Time >= f.To {
			return errDone
		}
		if ev.Kind != monitor.KindSIP || ev.SIP == nil || ev.Time < f.From {
			return nil
		}
		if !f.matches(ev.SIP, calls) {
			return nil
		}
		return w.Write(ev.Time, ev.SIP)
	})
	if errors.Is(err, errDone) {
		return nil
	}
	return err
}

func (f Filter) matches(m *monitor.SIPMessage, calls map[string]bool) bool {
	if f.CallID == "" && f.Number == "" {
		return true
	}
	if m.Info == nil {
		if m.Decode(sipparse.Parse) != nil {
			return false
		}
	}
	in := m.Info
	if f.CallID != "" && in.CallID != f.CallID {
		return false
	}
	if f.Number == "" {
		return true
	}
	if calls[in.CallID] {
		return true
	}
	for _, u := range []string{in.RURIUser, in.FromUser, in.ToUser, in.PAIUser} {
		if u != "" && sipmsg.NormalizeE164(u, f.Country) == f.Number {
			calls[in.CallID] = true
			return true
		}
	}
	return false
}

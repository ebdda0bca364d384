package stir

import (
	"bytes"
	"context"

	"github.com/cutover/cutover/monitor"
)

// Annotate is the ingest stage: it verifies an event's initial INVITE and
// stores the verdict in ev.SIP.Stir, measured at the event's own time, so
// the fold (which does no I/O) and every later replay read the same
// verdict. Events that already carry a verdict, other messages and
// in-dialog requests are left alone. It reports whether it set a verdict.
func (v *Verifier) Annotate(ctx context.Context, ev *monitor.Event) bool {
	if ev.Kind != monitor.KindSIP || ev.SIP == nil || ev.SIP.Stir != nil || !bytes.HasPrefix(ev.SIP.Raw, []byte("INVITE ")) {
		return false
	}
	req, err := ParseRequest(ev.SIP.Raw)
	if err != nil || req.InDialog {
		return false
	}
	ev.SIP.Stir = v.Verify(ctx, req, ev.At()).Monitor()
	return true
}

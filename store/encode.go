package store

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"unsafe"

	"github.com/cutover/cutover/monitor"
)

// eventRow is an event as the events table holds it (without seq and
// cutover_id). A nil pointer is SQL NULL.
//
// A SIP event keeps its addresses, transport and raw bytes in their own
// columns and its STIR/SHAKEN verdict as JSON in data; the parsed sipmsg.Info
// is never stored (readers decode Raw again). transport is NULL exactly
// when the event has no SIP message. Every other kind stores the payload
// matching its Kind as JSON in data (NULL when that payload is nil); a
// payload that does not match the event's Kind is not recorded.
type eventRow struct {
	ts          int64
	kind        int64
	source      string
	src, dst    *string
	transport   *string
	raw         []byte // nil is NULL; an empty message is an empty BLOB
	data        *string
	quarantined bool // monitor.Event.Quarantined (0 or 1)
}

// encodeEvent gives the row of ev; addrs (nil: none) keeps the text of
// addresses seen before, and scratch (nil: none) a buffer kept between
// events.
func encodeEvent(ev *monitor.Event, addrs addrCache, scratch *[]byte) (eventRow, error) {
	r := eventRow{ts: ev.Time, kind: int64(ev.Kind), source: string(ev.Source), quarantined: ev.Quarantined}
	var payload any
	switch ev.Kind {
	case monitor.KindSIP:
		if m := ev.SIP; m != nil {
			r.src, r.dst = addrs.text(m.Src), addrs.text(m.Dst)
			r.transport = &m.Transport
			r.raw = m.Raw
			if m.Raw != nil && len(m.Raw) == 0 {
				r.raw = []byte{}
			}
			if m.Stir != nil {
				if r.data = appendJSON(scratch, m.Stir, appendStir); r.data == nil {
					payload = m.Stir
				}
			}
		}
	case monitor.KindProbe:
		payload = nilIfNil(ev.Probe)
	case monitor.KindRegistration:
		payload = nilIfNil(ev.Registration)
	case monitor.KindPortState:
		payload = nilIfNil(ev.Port)
	case monitor.KindAction:
		payload = nilIfNil(ev.Action)
	case monitor.KindNote:
		payload = nilIfNil(ev.Note)
	case monitor.KindAlert:
		payload = nilIfNil(ev.Alert)
	case monitor.KindStirVerdict:
		payload = nilIfNil(ev.Verdict)
	case monitor.KindAlertAck:
		payload = nilIfNil(ev.Ack)
	case monitor.KindMedia:
		if ev.Media == nil {
			break
		}
		if r.data = appendJSON(scratch, ev.Media, appendMedia); r.data == nil {
			payload = ev.Media
		}
	}
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return r, fmt.Errorf("encode %s event: %w", ev.Kind, err)
		}
		s := unsafe.String(&b[0], len(b)) // b is Marshal's own, never changed: no copy
		r.data = &s
	}
	return r, nil
}

// appendJSON writes v's JSON with enc (jsonenc.go) into scratch (nil:
// none) and returns it; nil when enc leaves v to json.Marshal.
func appendJSON[T any](scratch *[]byte, v *T, enc func([]byte, *T) ([]byte, bool)) *string {
	var b []byte
	if scratch != nil {
		b = (*scratch)[:0]
	}
	b, ok := enc(b, v)
	if scratch != nil {
		*scratch = b
	}
	if !ok {
		return nil
	}
	s := string(b)
	return &s
}

// nilIfNil turns a nil pointer into an untyped nil, so "no payload" is
// recognised after the pointer has become an interface.
func nilIfNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

// addrCache keeps the text of the addresses a night repeats (its trunks'
// and PBXs'): formatting them again for every message was a seventh of
// encodeEvent's time. Only the writer's goroutine uses one.
type addrCache map[netip.AddrPort]*string

// addrCacheMax bounds an addrCache: a night of many more addresses (HEP
// from every phone) formats the others each time.
const addrCacheMax = 4096

// text is ap's text, nil when ap is not valid (NULL).
func (c addrCache) text(ap netip.AddrPort) *string {
	if !ap.IsValid() {
		return nil
	}
	if s, ok := c[ap]; ok {
		return s
	}
	s := ap.String()
	if c != nil && len(c) < addrCacheMax {
		c[ap] = &s
	}
	return &s
}

// decodeEvent rebuilds the event from its row. rawNull tells a NULL raw
// from an empty one (the driver reads both as a nil slice).
func decodeEvent(r eventRow, rawNull bool) (monitor.Event, error) {
	ev := monitor.Event{Time: r.ts, Kind: monitor.Kind(r.kind), Source: monitor.Source(r.source), Quarantined: r.quarantined}
	var err error
	switch ev.Kind {
	case monitor.KindSIP:
		if r.transport == nil {
			return ev, nil
		}
		m := &monitor.SIPMessage{Transport: *r.transport, Raw: r.raw}
		if !rawNull && m.Raw == nil {
			m.Raw = []byte{}
		}
		if m.Src, err = parseAddr(r.src); err != nil {
			return ev, err
		}
		if m.Dst, err = parseAddr(r.dst); err != nil {
			return ev, err
		}
		m.Stir, err = decodeJSON[monitor.StirVerdict](r.data)
		ev.SIP = m
	case monitor.KindProbe:
		ev.Probe, err = decodeJSON[monitor.ProbeResult](r.data)
	case monitor.KindRegistration:
		ev.Registration, err = decodeJSON[monitor.RegistrationChange](r.data)
	case monitor.KindPortState:
		ev.Port, err = decodeJSON[monitor.PortChange](r.data)
	case monitor.KindAction:
		ev.Action, err = decodeJSON[monitor.ActionRecord](r.data)
	case monitor.KindNote:
		ev.Note, err = decodeJSON[monitor.Note](r.data)
	case monitor.KindAlert:
		ev.Alert, err = decodeJSON[monitor.AlertChange](r.data)
	case monitor.KindStirVerdict:
		ev.Verdict, err = decodeJSON[monitor.LateVerdict](r.data)
	case monitor.KindAlertAck:
		ev.Ack, err = decodeJSON[monitor.AlertAck](r.data)
	case monitor.KindMedia:
		ev.Media, err = decodeMedia(r.data)
	}
	return ev, err
}

func parseAddr(s *string) (netip.AddrPort, error) {
	if s == nil {
		return netip.AddrPort{}, nil
	}
	ap, err := netip.ParseAddrPort(*s)
	if err != nil {
		return ap, fmt.Errorf("address %q: %w", *s, err)
	}
	return ap, nil
}

func decodeJSON[T any](data *string) (*T, error) {
	if data == nil {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal([]byte(*data), v); err != nil {
		return nil, fmt.Errorf("decode %T: %w", *v, err)
	}
	return v, nil
}

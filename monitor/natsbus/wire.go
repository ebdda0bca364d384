// Package natsbus carries a night's events between machines on NATS
// JetStream: collectors near each SBC publish them (Publisher), watches
// consume them (Consume), ordering them by event time within a bounded
// reorder window (Reorder). One stream per cutover; each event has a
// stable id derived from its content, so a redelivery or a resend after a
// collector's restart is deduplicated by JetStream (Nats-Msg-Id) and
// again by the consumer.
package natsbus

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/cutover/cutover/monitor"
)

// Envelope is one event on the stream: the event as the collector saw
// it (its verdicts, STIR and time, travel inside), its stable id, the
// collector's site and the collector's wall clock at receipt (for the
// lag to the fold).
type Envelope struct {
	ID    string
	Site  string
	Recv  int64 // Unix ns, the collector's wall clock when it took the event in
	Event monitor.Event
}

// The wire format. A message's first byte says which it is:
//
//	'{'   JSON: one envelope (collectors before the binary format)
//	0x01  binary, version 1: a batch of one site's envelopes
//
// Version 1 is uvarint(len) site, uvarint(count), then count records:
// the id's 16 bytes, varint recv, varint time, uvarint kind, a flags
// byte (quarantined, SIP, raw nil), uvarint(len) source; for a SIP
// message its addresses (netip binary), transport, raw bytes and STIR
// verdict (JSON, none: empty), each uvarint(len)-prefixed; for any other
// event the event as JSON, as the JSON format carried it. A SIP message
// thus travels as its bytes plus about 60, where JSON carried its raw
// bytes in base64.
const (
	wireJSON = '{'
	wireV1   = 0x01
)

const (
	flagQuarantined = 1 << iota
	flagSIP
	flagRawNil
)

// Encode is one site's envelopes as one message of the binary format.
func Encode(envs ...Envelope) ([]byte, error) {
	if len(envs) == 0 {
		return nil, errors.New("natsbus: encode: no envelope")
	}
	b := batchHead(nil, envs[0].Site, len(envs))
	for _, env := range envs {
		if env.Site != envs[0].Site {
			return nil, fmt.Errorf("natsbus: encode: sites %q and %q in one batch", envs[0].Site, env.Site)
		}
		var err error
		if b, err = appendRecord(b, env); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// batchHead starts a message of count records from site.
func batchHead(b []byte, site string, count int) []byte {
	b = append(b, wireV1)
	b = appendString(b, site)
	return binary.AppendUvarint(b, uint64(count))
}

// appendRecord appends env as a version 1 record (its site is the batch's).
func appendRecord(b []byte, env Envelope) ([]byte, error) {
	ev := &env.Event
	var id [16]byte
	if n, err := hex.Decode(id[:], []byte(env.ID)); err != nil || n != len(id) || len(env.ID) != 2*len(id) {
		return b, fmt.Errorf("natsbus: encode: id %q is not 32 hex digits", env.ID)
	}
	b = append(b, id[:]...)
	b = binary.AppendVarint(b, env.Recv)
	b = binary.AppendVarint(b, ev.Time)
	b = binary.AppendUvarint(b, uint64(ev.Kind))
	var flags byte
	if ev.Quarantined {
		flags |= flagQuarantined
	}
	m := ev.SIP
	if ev.Kind == monitor.KindSIP && m != nil {
		flags |= flagSIP
		if m.Raw == nil {
			flags |= flagRawNil
		}
	}
	b = append(b, flags)
	b = appendString(b, string(ev.Source))
	if flags&flagSIP == 0 {
		j, err := json.Marshal(ev)
		if err != nil {
			return b, fmt.Errorf("natsbus: encode %s event: %w", ev.Kind, err)
		}
		return appendBytes(b, j), nil
	}
	b = appendBytes(b, addrBinary(m.Src))
	b = appendBytes(b, addrBinary(m.Dst))
	b = appendString(b, m.Transport)
	b = appendBytes(b, m.Raw)
	var stir []byte
	if m.Stir != nil {
		var err error
		if stir, err = json.Marshal(m.Stir); err != nil {
			return b, fmt.Errorf("natsbus: encode STIR verdict: %w", err)
		}
	}
	return appendBytes(b, stir), nil
}

// addrBinary is ap as netip's binary form (none: empty).
func addrBinary(ap netip.AddrPort) []byte {
	if !ap.IsValid() {
		return nil
	}
	b, _ := ap.MarshalBinary() // it cannot fail
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytes(b, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

// Decode reads a message's envelopes (a JSON one from an older collector
// too); a message that is not one is an error naming what is wrong (the
// consumer counts it and goes on), and nothing of it is used.
func Decode(b []byte) ([]Envelope, error) {
	if len(b) == 0 {
		return nil, errors.New("natsbus: not an event message: empty")
	}
	switch b[0] {
	case wireJSON:
		env, err := decodeJSON(b)
		if err != nil {
			return nil, err
		}
		return []Envelope{env}, nil
	case wireV1:
		return decodeV1(b[1:])
	}
	return nil, fmt.Errorf("natsbus: not an event message: wire format %#02x unknown (from a newer collector? this watch reads JSON and version 1)", b[0])
}

func decodeJSON(b []byte) (Envelope, error) {
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return env, fmt.Errorf("natsbus: not an event envelope: %w", err)
	}
	if env.ID == "" || env.Event.Kind == 0 {
		return env, errors.New("natsbus: not an event envelope: no id or kind")
	}
	return env, nil
}

func decodeV1(b []byte) ([]Envelope, error) {
	r := wireReader{b: b}
	site := string(r.bytes())
	count := r.uvarint()
	if r.err == nil && (count == 0 || count > uint64(len(r.b))/minRecord) {
		return nil, fmt.Errorf("natsbus: not an event message: a batch of %d in %d bytes", count, len(b))
	}
	envs := make([]Envelope, 0, count)
	for i := uint64(0); i < count && r.err == nil; i++ {
		env := Envelope{Site: site}
		env.ID = hex.EncodeToString(r.take(16))
		env.Recv = r.varint()
		t, kind := r.varint(), monitor.Kind(r.uvarint())
		flags := r.byte()
		source := monitor.Source(r.bytes())
		ev := &env.Event
		if flags&flagSIP != 0 {
			ev.SIP = r.sip(flags&flagRawNil != 0)
		} else if j := r.bytes(); r.err == nil {
			if err := json.Unmarshal(j, ev); err != nil {
				return nil, fmt.Errorf("natsbus: not an event message: record %d: %w", i, err)
			}
		}
		ev.Time, ev.Kind, ev.Source, ev.Quarantined = t, kind, source, flags&flagQuarantined != 0
		if r.err == nil && kind == 0 {
			r.err = fmt.Errorf("record %d: no kind", i)
		}
		envs = append(envs, env)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d bytes after the last record", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("natsbus: not an event message: %w", r.err)
	}
	return envs, nil
}

// minRecord is the fewest bytes a record takes (its id and a byte for
// each other field).
const minRecord = 16 + 5

// ID is ev's stable id: a hash of what it is, not of who read it when.
// For a SIP message: its time, addresses, transport and raw bytes; for
// any other event its time, kind, source and payload. The time verdict
// (Quarantined) is left out: a resend judged again later is still the
// same event.
func ID(ev monitor.Event) string {
	h := sha256.New()
	var head [9]byte
	binary.BigEndian.PutUint64(head[:8], uint64(ev.Time))
	head[8] = byte(ev.Kind)
	h.Write(head[:])
	h.Write([]byte(ev.Source))
	h.Write([]byte{0})
	if m := ev.SIP; ev.Kind == monitor.KindSIP && m != nil {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", m.Src, m.Dst, m.Transport)
		h.Write(m.Raw)
	} else {
		ev.Quarantined = false
		b, _ := json.Marshal(ev) // only plain data: it cannot fail
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Subject is the subject a cutover's events are published on.
func Subject(stream string) string { return "cutover." + strings.ToLower(stream) + ".events" }

// StreamName is the stream of a cutover named name: CUTOVER_ and its
// letters and digits, the rest as underscores ("ACME night" →
// CUTOVER_ACME_NIGHT).
func StreamName(name string) string {
	var b strings.Builder
	b.WriteString("CUTOVER_")
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// ParseURL splits nats://HOST:PORT[,nats://HOST2:PORT...][/STREAM] into
// the servers (as nats.Connect takes them) and the stream ("": none
// given).
func ParseURL(u string) (servers, stream string, err error) {
	if !strings.HasPrefix(u, "nats://") && !strings.HasPrefix(u, "tls://") {
		return "", "", fmt.Errorf("natsbus: %q: want nats://HOST:PORT[/STREAM]", u)
	}
	last := strings.LastIndex(u, "://") + 3
	if i := strings.IndexByte(u[last:], '/'); i >= 0 {
		servers, stream = u[:last+i], u[last+i+1:]
		if stream == "" || strings.ContainsAny(stream, "/.*> ") {
			return "", "", fmt.Errorf("natsbus: %q: the stream name %q is not a JetStream name", u, stream)
		}
		return servers, stream, nil
	}
	return u, "", nil
}

// wireReader reads a version 1 message; the first error sticks (what
// follows reads zeros).
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("cut short in %s", what)
	}
	r.b = nil
}

func (r *wireReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.fail("a field")
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *wireReader) byte() byte {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *wireReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if r.err != nil || n <= 0 {
		r.fail("a number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if r.err != nil || n <= 0 {
		r.fail("a number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes is a length-prefixed field, in the message (copy what is kept).
func (r *wireReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("a field")
		return nil
	}
	return r.take(int(n))
}

// sip reads a SIP message's fields: addresses, transport, raw, verdict.
func (r *wireReader) sip(rawNil bool) *monitor.SIPMessage {
	m := &monitor.SIPMessage{}
	for _, ap := range []*netip.AddrPort{&m.Src, &m.Dst} {
		if p := r.bytes(); len(p) > 0 && r.err == nil {
			if err := ap.UnmarshalBinary(p); err != nil {
				r.err = fmt.Errorf("address: %w", err)
			}
		}
	}
	m.Transport = string(r.bytes())
	if raw := r.bytes(); !rawNil {
		m.Raw = append([]byte{}, raw...)
	}
	if stir := r.bytes(); len(stir) > 0 && r.err == nil {
		m.Stir = new(monitor.StirVerdict)
		if err := json.Unmarshal(stir, m.Stir); err != nil {
			r.err = fmt.Errorf("STIR verdict: %w", err)
		}
	}
	return m
}

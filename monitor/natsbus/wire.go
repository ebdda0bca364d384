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

// Encode is the envelope as the stream carries it (JSON: the same
// payloads the recording keeps as JSON, the raw SIP in base64).
func Encode(env Envelope) ([]byte, error) {
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("natsbus: encode %s event: %w", env.Event.Kind, err)
	}
	return b, nil
}

// Decode reads an envelope; a message that is not one is an error (the
// consumer counts it and goes on).
func Decode(b []byte) (Envelope, error) {
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return env, fmt.Errorf("natsbus: not an event envelope: %w", err)
	}
	if env.ID == "" || env.Event.Kind == 0 {
		return env, errors.New("natsbus: not an event envelope: no id or kind")
	}
	return env, nil
}

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

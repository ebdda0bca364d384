package store

import (
	"strconv"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// The payloads the writer writes by the million, a media report (the
// writer's side of mediajson.go) and a SIP message's STIR verdict, written
// byte for byte as json.Marshal writes them, without reflection
// (json.Marshal took about 7 µs a media report, a sixth of the writer's
// CPU on the simulated night). A payload with anything json.Marshal would
// escape (a byte outside printable ASCII, a quote, a backslash, <, > or &)
// or refuse (a time past year 9999) is not written here: encodeEvent uses
// json.Marshal.

// appendStir appends v's JSON to b; false when v is left to json.Marshal.
func appendStir(b []byte, v *monitor.StirVerdict) ([]byte, bool) {
	ok := true
	b = append(b, `{"Attest":`...)
	b = appendPlain(b, v.Attest, &ok)
	b = append(b, `,"Result":`...)
	b = appendPlain(b, v.Result, &ok)
	if v.Ref != 0 {
		b = append(b, `,"Ref":`...)
		b = strconv.AppendUint(b, v.Ref, 10)
	}
	if v.TooMany != 0 {
		b = append(b, `,"TooMany":`...)
		b = strconv.AppendInt(b, int64(v.TooMany), 10)
	}
	return append(b, '}'), ok
}

// appendMedia appends m's JSON to b; false when m is left to json.Marshal.
func appendMedia(b []byte, m *monitor.MediaReport) ([]byte, bool) {
	ok := true
	b = append(b, `{"CallID":`...)
	b = appendPlain(b, m.CallID, &ok)
	b = append(b, `,"Answered":`...)
	b = strconv.AppendInt(b, m.Answered, 10)
	if len(m.Streams) > 0 {
		b = append(b, `,"Streams":[`...)
		for i := range m.Streams {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStream(b, &m.Streams[i], &ok)
		}
		b = append(b, ']')
	}
	if m.Final {
		b = append(b, `,"Final":true`...)
	}
	b = append(b, `,"Origin":`...)
	b = appendPlain(b, m.Origin, &ok)
	return append(b, '}'), ok
}

func appendStream(b []byte, v *monitor.MediaStream, ok *bool) []byte {
	b = append(b, `{"Src":"`...)
	b = quoted(v.Src.AppendTo(b), len(b), ok)
	b = append(b, `","Dst":"`...)
	b = quoted(v.Dst.AppendTo(b), len(b), ok)
	b = append(b, `","Forward":`...)
	b = strconv.AppendBool(b, v.Forward)
	b = append(b, `,"Stats":`...)
	return append(appendStats(b, &v.Stats, ok), '}')
}

func appendStats(b []byte, st *media.Stats, ok *bool) []byte {
	b = append(b, `{"SSRC":`...)
	b = strconv.AppendUint(b, uint64(st.SSRC), 10)
	b = append(b, `,"PayloadType":`...)
	b = strconv.AppendUint(b, uint64(st.PayloadType), 10)
	b = append(b, `,"Codec":`...)
	b = appendPlain(b, st.Codec, ok)
	b = append(b, `,"ClockRate":`...)
	b = strconv.AppendUint(b, uint64(st.ClockRate), 10)
	b = append(b, `,"Packets":`...)
	b = strconv.AppendUint(b, st.Packets, 10)
	b = append(b, `,"Expected":`...)
	b = strconv.AppendUint(b, st.Expected, 10)
	b = append(b, `,"Lost":`...)
	b = strconv.AppendInt(b, st.Lost, 10)
	b = append(b, `,"Duplicates":`...)
	b = strconv.AppendUint(b, st.Duplicates, 10)
	b = append(b, `,"Late":`...)
	b = strconv.AppendUint(b, st.Late, 10)
	b = append(b, `,"Gaps":`...)
	b = strconv.AppendUint(b, st.Gaps, 10)
	b = append(b, `,"Jitter":`...)
	b = strconv.AppendInt(b, int64(st.Jitter), 10)
	b = append(b, `,"MaxJitter":`...)
	b = strconv.AppendInt(b, int64(st.MaxJitter), 10)
	b = append(b, `,"MaxDelta":`...)
	b = strconv.AppendInt(b, int64(st.MaxDelta), 10)
	b = append(b, `,"First":`...)
	b = appendTime(b, st.First, ok)
	b = append(b, `,"Last":`...)
	b = appendTime(b, st.Last, ok)
	return append(b, '}')
}

// appendTime appends t as time.Time's MarshalJSON writes it; ok turns
// false if it cannot.
func appendTime(b []byte, t time.Time, ok *bool) []byte {
	b = append(b, '"')
	out, err := t.AppendText(b)
	if err != nil {
		*ok = false
		return append(b, '"')
	}
	return append(out, '"')
}

// appendPlain appends s as a JSON string; ok turns false if json.Marshal
// would escape any of it.
func appendPlain(b []byte, s string, ok *bool) []byte {
	b = append(b, '"')
	start := len(b)
	b = append(b, s...)
	return append(quoted(b, start, ok), '"')
}

// quoted returns b, checking that b[start:] needs no escape in JSON.
func quoted(b []byte, start int, ok *bool) []byte {
	for _, c := range b[start:] {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			*ok = false
		}
	}
	return b
}

package store

import (
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/monitor"
	"github.com/cutover/cutover/monitor/media"
)

// A fast path for the one payload a replay reads by the million: a media
// report, in exactly the form json.Marshal wrote it (fields in order, no
// space, no escapes, ASCII strings). Anything else, or anything it would
// not decode just as encoding/json does, falls back to encoding/json
// (decodeMedia), so the result is always what json.Unmarshal gives.

// decodeMedia decodes a media report's JSON.
func decodeMedia(data *string) (*monitor.MediaReport, error) {
	if data == nil {
		return nil, nil
	}
	if m, ok := fastMedia(*data); ok {
		return m, nil
	}
	return decodeJSON[monitor.MediaReport](data)
}

// fastMedia decodes s when it has the form json.Marshal writes; false
// when it has not (the caller falls back).
func fastMedia(s string) (*monitor.MediaReport, bool) {
	j := jscan{s: s, ok: true}
	m := &monitor.MediaReport{}
	j.lit(`{"CallID":`)
	m.CallID = j.str()
	j.lit(`,"Answered":`)
	m.Answered = j.int(64)
	if j.skip(`,"Streams":[`) {
		for j.ok {
			m.Streams = append(m.Streams, j.stream())
			if !j.skip(",") {
				break
			}
		}
		j.lit("]")
	}
	m.Final = j.skip(`,"Final":true`)
	j.lit(`,"Origin":`)
	m.Origin = j.str()
	j.lit("}")
	return m, j.ok && j.s == ""
}

func (j *jscan) stream() monitor.MediaStream {
	var v monitor.MediaStream
	j.lit(`{"Src":`)
	j.text(func(b []byte) error { return v.Src.UnmarshalText(b) })
	j.lit(`,"Dst":`)
	j.text(func(b []byte) error { return v.Dst.UnmarshalText(b) })
	j.lit(`,"Forward":`)
	v.Forward = j.bool()
	j.lit(`,"Stats":`)
	j.stats(&v.Stats)
	j.lit("}")
	return v
}

func (j *jscan) stats(st *media.Stats) {
	j.lit(`{"SSRC":`)
	st.SSRC = uint32(j.uint(32))
	j.lit(`,"PayloadType":`)
	st.PayloadType = uint8(j.uint(8))
	j.lit(`,"Codec":`)
	st.Codec = j.str()
	j.lit(`,"ClockRate":`)
	st.ClockRate = uint32(j.uint(32))
	for _, f := range [...]struct {
		name string
		p    *uint64
	}{{`,"Packets":`, &st.Packets}, {`,"Expected":`, &st.Expected}} {
		j.lit(f.name)
		*f.p = j.uint(64)
	}
	j.lit(`,"Lost":`)
	st.Lost = j.int(64)
	for _, f := range [...]struct {
		name string
		p    *uint64
	}{{`,"Duplicates":`, &st.Duplicates}, {`,"Late":`, &st.Late}, {`,"Gaps":`, &st.Gaps}} {
		j.lit(f.name)
		*f.p = j.uint(64)
	}
	j.lit(`,"Jitter":`)
	st.Jitter = time.Duration(j.int(64))
	j.lit(`,"MaxJitter":`)
	st.MaxJitter = time.Duration(j.int(64))
	j.lit(`,"MaxDelta":`)
	st.MaxDelta = time.Duration(j.int(64))
	j.lit(`,"First":`)
	j.text(st.First.UnmarshalText)
	j.lit(`,"Last":`)
	j.text(st.Last.UnmarshalText)
	j.lit("}")
}

// jscan reads JSON of a known form; ok turns false at the first thing
// that differs, and stays false.
type jscan struct {
	s  string
	ok bool
}

// lit reads l.
func (j *jscan) lit(l string) {
	if !j.skip(l) {
		j.ok = false
	}
}

// skip reads l when s starts with it.
func (j *jscan) skip(l string) bool {
	if !j.ok || !strings.HasPrefix(j.s, l) {
		return false
	}
	j.s = j.s[len(l):]
	return true
}

// raw reads a string's content: printable ASCII, no escape.
func (j *jscan) raw() string {
	if !j.ok || j.s == "" || j.s[0] != '"' {
		j.ok = false
		return ""
	}
	for i := 1; i < len(j.s); i++ {
		switch c := j.s[i]; {
		case c == '"':
			v := j.s[1:i]
			j.s = j.s[i+1:]
			return v
		case c < 0x20 || c >= 0x7f || c == '\\':
			j.ok = false
			return ""
		}
	}
	j.ok = false
	return ""
}

// str is raw, copied: the report must not keep the row's text alive.
func (j *jscan) str() string { return strings.Clone(j.raw()) }

// text reads a string into a TextUnmarshaler, as encoding/json does.
func (j *jscan) text(f func([]byte) error) {
	if v := j.raw(); j.ok && f([]byte(v)) != nil {
		j.ok = false
	}
}

func (j *jscan) bool() bool {
	if j.skip("true") {
		return true
	}
	j.lit("false")
	return false
}

// num reads an integer's digits, with its sign: no leading zero, no
// fraction or exponent (encoding/json would refuse those for an integer).
func (j *jscan) num() string {
	i := 0
	if i < len(j.s) && j.s[i] == '-' {
		i++
	}
	d := i
	for i < len(j.s) && j.s[i] >= '0' && j.s[i] <= '9' {
		i++
	}
	if !j.ok || i == d || i-d > 1 && j.s[d] == '0' || i < len(j.s) && (j.s[i] == '.' || j.s[i] == 'e' || j.s[i] == 'E') {
		j.ok = false
		return ""
	}
	v := j.s[:i]
	j.s = j.s[i:]
	return v
}

func (j *jscan) int(bits int) int64 {
	v, err := strconv.ParseInt(j.num(), 10, bits)
	if err != nil {
		j.ok = false
	}
	return v
}

func (j *jscan) uint(bits int) uint64 {
	v, err := strconv.ParseUint(j.num(), 10, bits)
	if err != nil {
		j.ok = false
	}
	return v
}

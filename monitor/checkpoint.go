package monitor

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/fnv"
)

// A checkpoint is the whole fold, written so that a seek restores it and
// folds forward instead of folding the night from the start. The format is
// hand-written varints (no reflection): it is taken on the fold's goroutine
// every few thousand events, so it must cost little, and encoding the same
// fold always gives the same bytes.
//
// It starts with ckptMagic, a version byte and a checksum of the fold's
// Config. The Config itself (~40 bytes a number) is not in it: it is the
// recording's, and a checkpoint is restored into a State made with it,
// whose checksum must match. Checkpoints of older recordings are gob of
// core (Config included), which never starts with a zero byte (a gob
// message is never empty), and still restore.
var ckptMagic = []byte{0, 'c', 'k'}

// ckptVersion 3 adds the verdicts the fold waits for (StirWait),
// StirCounts, core.Evicted and core.Quarantined, and Event.Quarantined in
// the undrained events; version 4 a bucket's LegacyAfter (a mask bit
// older versions never set); version 5 a number's egress trunk, landing
// transition and sweep results; version 6 a trunk's recycled buckets
// (series.Gone: its totals); version 7 the media fold (core.MediaCalls,
// core.Media, a bucket's media counters); version 8 the anchor the times
// are written relative to (the fold's clock in a full checkpoint, the
// base's in one a delta is made of, so that what did not change since the
// base encodes to the same bytes); version 9 a series' ring length and
// only the buckets it holds (series.N; before, the whole ring). Versions 2
// to 6 still restore, with no media.
const ckptVersion = 9

// MarshalBinary encodes the whole fold for a checkpoint.
func (s *State) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(make([]byte, 0, s.sizeHint()))
}

// AppendBinary appends the checkpoint encoding of the fold to b.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	return s.appendAnchored(b, ckptVersion, s.c.Now)
}

// appendVersion encodes the fold in format version v (4 or ckptVersion;
// older formats only for the tests that restore them).
func (s *State) appendVersion(b []byte, v byte) ([]byte, error) {
	return s.appendAnchored(b, v, s.c.Now)
}

// appendAnchored encodes the fold with its times relative to anchor
// (version 8 on; older versions are always relative to the fold's clock).
func (s *State) appendAnchored(b []byte, v byte, anchor int64) ([]byte, error) {
	if v < 8 {
		anchor = s.c.Now
	}
	w := wire{b: append(append(b, ckptMagic...), v), now: anchor, version: v}
	w.b = binary.LittleEndian.AppendUint64(w.b, s.configSum())
	if v >= 8 {
		w.int(anchor)
	}
	if err := w.core(&s.c); err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return w.b, nil
}

// sizeHint guesses the encoded size, so the buffer grows at most once.
func (s *State) sizeHint() int {
	return 4096 + len(s.c.Numbers)*(40+numberBucks*12) + 64*len(s.c.Calls)
}

// configSum is a checksum of the encoded Config, computed once: the
// Config never changes after NewState.
func (s *State) configSum() uint64 {
	if s.cfgSum == 0 {
		h := fnv.New64a()
		w := wire{b: make([]byte, 0, 2*spillAt), sum: h} // hashed as written: no copy of a 10k-number config
		w.config(&s.c.Cfg)
		h.Write(w.b)
		s.cfgSum = max(h.Sum64(), 1)
	}
	return s.cfgSum
}

// ErrOtherConfig is returned when a checkpoint is restored into a State
// made with another Config than the fold it was taken of.
var ErrOtherConfig = errors.New("checkpoint of a fold with another configuration")

// UnmarshalBinary restores a fold from a checkpoint into s, which must
// have been made by NewState with the recording's Config. Checkpoints of
// older recordings (gob) carry their Config and restore into any State.
func (s *State) UnmarshalBinary(data []byte) error {
	c := core{Cfg: s.c.Cfg}
	var err error
	if bytes.HasPrefix(data, ckptDeltaMagic) {
		return fmt.Errorf("decode state: a checkpoint delta: restore it with its base (UnmarshalDelta)")
	}
	if bytes.HasPrefix(data, ckptMagic) {
		err = s.decodeCore(data[len(ckptMagic):], &c)
	} else {
		err = gob.NewDecoder(bytes.NewReader(data)).Decode(&c)
		c.fromRings()
		s.cfgSum = 0
	}
	if err != nil {
		return fmt.Errorf("decode state: %w", err)
	}
	c.NumIdx = make(map[string]int, len(c.Numbers))
	for i := range c.Numbers { // derived: the first number with an E.164 owns it
		if _, ok := c.NumIdx[c.Numbers[i].E164]; !ok {
			c.NumIdx[c.Numbers[i].E164] = i
		}
	}
	if c.Calls == nil {
		c.Calls = map[string]*call{}
	}
	if c.Options == nil {
		c.Options = map[string]optionsTx{}
	}
	if c.Alerts == nil {
		c.Alerts = map[string]*AlertView{}
	}
	s.c = c
	s.strays = strayCount{} // counted again when needed
	return nil
}

// RestoreState returns the fold a checkpoint holds, for a recording made
// with cfg: what UnmarshalBinary into NewState(cfg) gives, without making
// the empty fold first (for 10k numbers ~10-30 ms and as many MB of
// garbage, all of it replaced by the restore).
func RestoreState(cfg Config, data []byte) (*State, error) {
	cfg.Thresholds = cfg.Thresholds.withDefaults() // as NewState
	s := &State{c: core{Cfg: cfg}}
	if err := s.UnmarshalBinary(data); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *State) decodeCore(data []byte, c *core) error {
	if len(data) < 9 || data[0] < 2 || data[0] > ckptVersion {
		return fmt.Errorf("%w: unknown version", errCorrupt)
	}
	if binary.LittleEndian.Uint64(data[1:]) != s.configSum() {
		return ErrOtherConfig
	}
	r := reader{b: data[9:], version: data[0]}
	if r.version >= 8 {
		r.now = r.int()
	}
	r.core(c)
	if r.err == nil && r.left() != 0 {
		r.err = fmt.Errorf("%w: %d bytes left over", errCorrupt, r.left())
	}
	return r.err
}

// core writes every field of core in declaration order but Cfg (see
// configSum); NumIdx is derived from Numbers. TestCheckpointCoversEveryField fails when a field is
// added to core (or to a type it holds) but not here.
func (w *wire) core(c *core) error {
	w.int(c.Now)
	w.time(c.NextSweep)
	w.uint(c.Applied)
	w.uint(c.SIP)
	w.uint(c.Malformed)
	w.uint(c.Evicted)
	w.uint(c.Quarantined)
	w.uint(uint64(len(c.Trunks)))
	for i := range c.Trunks {
		w.trunk(&c.Trunks[i])
	}
	w.uint(uint64(len(c.Numbers)))
	for i := range c.Numbers {
		var ref Number
		if i < len(c.Cfg.Numbers) {
			ref = c.Cfg.Numbers[i]
		}
		w.number(&c.Numbers[i], &ref)
	}
	w.calls(c.Calls)
	w.options(c.Options)
	w.alerts(c)
	w.uint(uint64(len(c.Feed)))
	for i := range c.Feed {
		w.feedLine(&c.Feed[i])
	}
	w.int(int64(c.FeedPos))
	w.uint(uint64(len(c.Actions)))
	for i := range c.Actions {
		w.action(&c.Actions[i])
	}
	w.uint(uint64(len(c.Verify)))
	for i := range c.Verify {
		w.verify(&c.Verify[i])
	}
	w.uint(uint64(len(c.Notes)))
	for _, n := range c.Notes {
		w.time(n.Time)
		w.str(n.Author)
		w.str(n.Text)
	}
	w.stir(c)
	if w.version >= 5 {
		w.landingCurves(c)
		w.sweeps(c)
	}
	if w.version >= 7 {
		w.media(c)
	}
	return w.out(c.Out)
}

func (r *reader) core(c *core) {
	c.Now = r.int()
	if r.version < 8 {
		r.now = c.Now
	}
	c.NextSweep = r.time()
	c.Applied, c.SIP, c.Malformed = r.uint(), r.uint(), r.uint()
	if r.version >= 3 {
		c.Evicted, c.Quarantined = r.uint(), r.uint()
	}
	c.Trunks = make([]trunkState, r.count())
	for i := range c.Trunks {
		r.trunk(&c.Trunks[i])
	}
	c.Numbers = make([]numberState, r.count())
	for i := range c.Numbers {
		var ref Number
		if i < len(c.Cfg.Numbers) {
			ref = c.Cfg.Numbers[i]
		}
		r.number(&c.Numbers[i], &ref)
	}
	c.Calls = r.calls()
	c.Options = r.options()
	r.alerts(c)
	if n := r.count(); n > 0 {
		c.Feed = make([]FeedLine, n)
		for i := range c.Feed {
			r.feedLine(&c.Feed[i])
		}
	}
	c.FeedPos = r.i()
	if n := r.count(); n > 0 {
		c.Actions = make([]ActionView, n)
		for i := range c.Actions {
			r.action(&c.Actions[i])
		}
	}
	if n := r.count(); n > 0 {
		c.Verify = make([]verifyState, n)
		for i := range c.Verify {
			r.verify(&c.Verify[i])
		}
	}
	if n := r.count(); n > 0 {
		c.Notes = make([]NoteView, n)
		for i := range c.Notes {
			c.Notes[i] = NoteView{Time: r.time(), Note: Note{Author: r.str(), Text: r.str()}}
		}
	}
	if r.version >= 3 {
		r.stir(c)
	}
	if r.version >= 5 {
		r.landingCurves(c)
		r.sweeps(c)
	}
	if r.version >= 7 {
		r.media(c)
	}
	c.Out = r.out()
}

// config writes c for configSum: every field, so that a checkpoint never
// restores into a fold configured otherwise.
func (w *wire) config(c *Config) {
	w.str(c.Name)
	w.uint(uint64(len(c.Trunks)))
	for _, t := range c.Trunks {
		w.str(t.Name)
		if t.CarrierSigns { // only then: older recordings' checksums stay as they were
			w.str(string(t.Role) + "/carrier_signs")
		} else {
			w.str(string(t.Role))
		}
		w.uint(uint64(len(t.Addrs)))
		for _, a := range t.Addrs {
			b, _ := a.Prefix.MarshalBinary() // never fails
			w.str(string(b))
			w.uint(uint64(a.Port))
		}
	}
	w.uint(uint64(len(c.Numbers)))
	for _, n := range c.Numbers {
		w.str(n.E164)
		w.str(n.PortRequestID)
		w.str(string(n.PortState))
		w.time(n.Scheduled)
		w.time(n.Activated)
		w.spill()
	}
	w.thresholds(&c.Thresholds)
	w.str(c.DefaultCountry)
	if c.Topology != "" && c.Topology != TopologyBusiness { // only then: older recordings' checksums stay as they were
		w.str("topology/" + string(c.Topology))
	}
}

func (w *wire) thresholds(t *Thresholds) {
	w.int(int64(t.ShortCall))
	w.int(int64(t.Codec488Count))
	w.f64(t.Codec488Share)
	w.f64(t.NERMin)
	w.int(int64(t.NERMinAttempts))
	w.int(int64(t.TimeoutBurst))
	w.int(int64(t.SilentAfter))
	w.int(int64(t.ZombieAfter))
	w.int(int64(t.SplitBrainQuiet))
	w.f64(t.DropRateMax)
	w.int(int64(t.DropMinAnswered))
	w.f64(t.AttestAMin)
	w.int(int64(t.AttestMinCalls))
	w.int(int64(t.AttestNumberMinCalls))
	w.int(int64(t.AttestInvalidMin))
	w.mediaThresholds(t)
}

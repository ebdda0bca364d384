package monitor

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// A checkpoint is the whole fold, written so that a seek restores it and
// folds forward instead of folding the night from the start. The format is
// hand-written varints (no reflection): it is taken on the fold's goroutine
// every few thousand events, so it must cost little, and encoding the same
// fold always gives the same bytes.
//
// It starts with ckptMagic and a version byte. Checkpoints of older
// recordings are gob of core, which never starts with a zero byte (a gob
// message is never empty), and still restore.
var ckptMagic = []byte{0, 'c', 'k'}

const ckptVersion = 1

// MarshalBinary encodes the whole fold for a checkpoint.
func (s *State) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(make([]byte, 0, s.sizeHint()))
}

// AppendBinary appends the checkpoint encoding of the fold to b.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	w := wire{b: append(append(b, ckptMagic...), ckptVersion), now: s.c.Now}
	if err := w.core(&s.c); err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return w.b, nil
}

// sizeHint guesses the encoded size, so the buffer grows at most once.
func (s *State) sizeHint() int {
	return 4096 + 40*len(s.c.Cfg.Numbers) + len(s.c.Numbers)*(40+numberBucks*12) + 64*len(s.c.Calls)
}

// UnmarshalBinary restores a fold from a checkpoint, of this format or
// an older recording's gob.
func (s *State) UnmarshalBinary(data []byte) error {
	var c core
	var err error
	if bytes.HasPrefix(data, ckptMagic) {
		err = decodeCore(data[len(ckptMagic):], &c)
	} else {
		err = gob.NewDecoder(bytes.NewReader(data)).Decode(&c)
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
	return nil
}

func decodeCore(data []byte, c *core) error {
	if len(data) == 0 || data[0] != ckptVersion {
		return fmt.Errorf("%w: unknown version", errCorrupt)
	}
	r := reader{b: data[1:]}
	r.core(c)
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d bytes left over", errCorrupt, len(r.b))
	}
	return r.err
}

// core writes every field of core in declaration order; NumIdx is derived
// from Numbers. TestCheckpointCoversEveryField fails when a field is
// added to core (or to a type it holds) but not here.
func (w *wire) core(c *core) error {
	w.int(c.Now)
	w.config(&c.Cfg)
	w.time(c.NextSweep)
	w.uint(c.Applied)
	w.uint(c.SIP)
	w.uint(c.Malformed)
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
	w.uint(uint64(len(c.Notes)))
	for _, n := range c.Notes {
		w.time(n.Time)
		w.str(n.Author)
		w.str(n.Text)
	}
	return w.out(c.Out)
}

func (r *reader) core(c *core) {
	c.Now = r.int()
	r.now = c.Now
	r.config(&c.Cfg)
	c.NextSweep = r.time()
	c.Applied, c.SIP, c.Malformed = r.uint(), r.uint(), r.uint()
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
		c.Notes = make([]NoteView, n)
		for i := range c.Notes {
			c.Notes[i] = NoteView{Time: r.time(), Note: Note{Author: r.str(), Text: r.str()}}
		}
	}
	c.Out = r.out()
}

func (w *wire) config(c *Config) {
	w.str(c.Name)
	w.uint(uint64(len(c.Trunks)))
	for _, t := range c.Trunks {
		w.str(t.Name)
		w.str(string(t.Role))
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
	}
	w.thresholds(&c.Thresholds)
	w.str(c.DefaultCountry)
}

func (r *reader) config(c *Config) {
	c.Name = r.str()
	if n := r.count(); n > 0 {
		c.Trunks = make([]Trunk, n)
		for i := range c.Trunks {
			t := &c.Trunks[i]
			t.Name, t.Role = r.str(), Role(r.str())
			if n := r.count(); n > 0 {
				t.Addrs = make([]TrunkAddr, n)
				for j := range t.Addrs {
					if err := t.Addrs[j].Prefix.UnmarshalBinary(r.bytes(r.uint())); err != nil {
						r.fail()
					}
					t.Addrs[j].Port = r.u16()
				}
			}
		}
	}
	if n := r.count(); n > 0 {
		c.Numbers = make([]Number, n)
		for i := range c.Numbers {
			c.Numbers[i] = Number{E164: r.str(), PortRequestID: r.str(), PortState: PortState(r.str()),
				Scheduled: r.time(), Activated: r.time()}
		}
	}
	r.thresholds(&c.Thresholds)
	c.DefaultCountry = r.str()
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
}

func (r *reader) thresholds(t *Thresholds) {
	t.ShortCall = r.dur()
	t.Codec488Count = r.i()
	t.Codec488Share = r.f64()
	t.NERMin = r.f64()
	t.NERMinAttempts = r.i()
	t.TimeoutBurst = r.i()
	t.SilentAfter = r.dur()
	t.ZombieAfter = r.dur()
	t.SplitBrainQuiet = r.dur()
	t.DropRateMax = r.f64()
	t.DropMinAnswered = r.i()
	t.AttestAMin = r.f64()
	t.AttestMinCalls = r.i()
	t.AttestNumberMinCalls = r.i()
	t.AttestInvalidMin = r.i()
}

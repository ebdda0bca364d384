package monitor

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// TestCheckpointCoversEveryField fills every field of core, and of every
// type it holds, with a distinct non-zero value, and expects a checkpoint
// to bring all of them back. It fails when a field is added to the fold
// but not to the checkpoint encoding (checkpoint_codec.go, checkpoint.go).
func TestCheckpointCoversEveryField(t *testing.T) {
	var c core
	f := filler{n: 1}
	f.fill(reflect.ValueOf(&c).Elem(), "core")
	c.NumIdx = map[string]int{} // derived from Numbers, not encoded: the first with an E.164 owns it
	for i, n := range c.Numbers {
		if _, ok := c.NumIdx[n.E164]; !ok { // the filler's strings repeat every 5 fields
			c.NumIdx[n.E164] = i
		}
	}
	s := &State{c: c}
	blob, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back := State{c: core{Cfg: c.Cfg}}
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.c, c) {
		for _, d := range diffFields(reflect.ValueOf(c), reflect.ValueOf(back.c), "core") {
			t.Errorf("%s does not survive a checkpoint: add it to the encoding", d)
		}
		t.FailNow()
	}
}

// filler sets every field it reaches to a value no other field has.
type filler struct{ n int }

func (f *filler) fill(v reflect.Value, path string) {
	f.n++
	switch v.Type() {
	case reflect.TypeFor[netip.Prefix]():
		v.Set(reflect.ValueOf(netip.MustParsePrefix("10.0.0.0/8")))
		return
	case reflect.TypeFor[Event](): // only alert changes are ever left undrained
		payloads := map[string]bool{"Kind": true, "SIP": true, "Probe": true, "Registration": true,
			"Port": true, "Action": true, "Note": true, "Verdict": true, "Ack": true, "Media": true}
		for i := range v.NumField() {
			if name := v.Type().Field(i).Name; !payloads[name] {
				f.fill(v.Field(i), path+"."+name) // a field added to Event lands here
			}
		}
		v.FieldByName("Kind").Set(reflect.ValueOf(KindAlert))
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.n % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.n % 100))
	case reflect.Float64:
		v.SetFloat(float64(f.n) + 0.5)
	case reflect.String:
		v.SetString(strings.Repeat("s", 1+f.n%5) + path)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), path)
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), path+"[]")
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			f.fill(v.Index(i), path+"[]")
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k, path+"[key]")
			f.fill(e, path+"[]")
			v.SetMapIndex(k, e)
		}
	default:
		panic("filler: no value for " + path + " of kind " + v.Kind().String())
	}
}

// diffFields names the leaf fields where a and b differ.
func diffFields(a, b reflect.Value, path string) []string {
	if reflect.DeepEqual(a.Interface(), b.Interface()) {
		return nil
	}
	var out []string
	switch a.Kind() {
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[netip.Prefix]() {
			break
		}
		for i := range a.NumField() {
			out = append(out, diffFields(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)...)
		}
	case reflect.Pointer:
		if !a.IsNil() && !b.IsNil() {
			out = diffFields(a.Elem(), b.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		if a.Len() == b.Len() {
			for i := range a.Len() {
				out = append(out, diffFields(a.Index(i), b.Index(i), path+"[]")...)
			}
		}
	case reflect.Map:
		for _, k := range a.MapKeys() {
			if bv := b.MapIndex(k); bv.IsValid() {
				out = append(out, diffFields(a.MapIndex(k), bv, path+"[]")...)
			}
		}
	}
	if len(out) == 0 {
		out = []string{path}
	}
	return out
}

// TestOldGobCheckpointRestores: recordings made before the checkpoint
// format was hand-written hold gob of core, and must still seek.
func TestOldGobCheckpointRestores(t *testing.T) {
	s := NewState(testConfig())
	applyAll(s, randomNight(t, 3, 100)...)
	s.Drain(nil)
	var old bytes.Buffer
	if err := gob.NewEncoder(&old).Encode(&s.c); err != nil {
		t.Fatal(err)
	}
	var back State
	if err := back.UnmarshalBinary(old.Bytes()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Snapshot(), s.Snapshot()) {
		t.Fatal("a gob checkpoint restores to a different fold")
	}
	a, _ := back.MarshalBinary()
	b, _ := s.MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Fatal("a restored gob checkpoint encodes differently from the fold it was taken of")
	}
}

func TestCheckpointRefusesDamage(t *testing.T) {
	s := NewState(testConfig())
	applyAll(s, randomNight(t, 5, 50)...)
	blob, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{blob[:len(blob)-1], append(append([]byte{}, blob...), 0), blob[:4], blob[:3]} {
		if err := NewState(testConfig()).UnmarshalBinary(bad); err == nil {
			t.Errorf("a damaged checkpoint of %d bytes (of %d) restored without error", len(bad), len(blob))
		}
	}
}

func TestCheckpointRefusesAnotherConfig(t *testing.T) {
	s := NewState(testConfig())
	applyAll(s, randomNight(t, 5, 20)...)
	blob, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	other := testConfig()
	other.Numbers[1].PortRequestID = "PR-2"
	if err := NewState(other).UnmarshalBinary(blob); !errors.Is(err, ErrOtherConfig) {
		t.Fatalf("restored into a fold of another config: %v", err)
	}
}

// TestConfigSumCoversEveryField changes each field of a Config in turn
// and expects the checksum a checkpoint carries to change: a field added
// to Config but not to wire.config would let a checkpoint restore into a
// fold configured otherwise.
func TestConfigSumCoversEveryField(t *testing.T) {
	var cfg Config
	(&filler{n: 1}).fill(reflect.ValueOf(&cfg).Elem(), "Config")
	base := (&State{c: core{Cfg: cfg}}).configSum()
	for path, leaf := range leaves(reflect.ValueOf(&cfg).Elem(), "Config") {
		old := reflect.ValueOf(leaf.Interface())
		mutate(leaf)
		if (&State{c: core{Cfg: cfg}}).configSum() == base {
			t.Errorf("%s does not change the config checksum: add it to wire.config", path)
		}
		leaf.Set(old)
	}
}

// leaves yields the settable leaf fields under v (netip.Prefix is a leaf;
// map values only behind a pointer).
func leaves(v reflect.Value, path string) func(func(string, reflect.Value) bool) {
	return func(yield func(string, reflect.Value) bool) {
		var walk func(v reflect.Value, path string) bool
		walk = func(v reflect.Value, path string) bool {
			switch {
			case v.Type() == reflect.TypeFor[netip.Prefix]():
				return yield(path, v)
			case v.Kind() == reflect.Struct:
				for i := range v.NumField() {
					if !walk(v.Field(i), path+"."+v.Type().Field(i).Name) {
						return false
					}
				}
			case v.Kind() == reflect.Pointer:
				return v.IsNil() || walk(v.Elem(), path)
			case v.Kind() == reflect.Map: // values in place only behind a pointer
				for _, k := range v.MapKeys() {
					if e := v.MapIndex(k); e.Kind() == reflect.Pointer && !walk(e, path+"["+k.String()+"]") {
						return false
					}
				}
			case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
				for i := range v.Len() {
					if !walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i)) {
						return false
					}
				}
			default:
				return yield(path, v)
			}
			return true
		}
		walk(v, path)
	}
}

// mutate changes a leaf value to another one.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.String:
		v.SetString(v.String() + "x")
	default: // netip.Prefix
		v.Set(reflect.ValueOf(netip.MustParsePrefix("192.0.2.0/24")))
	}
}

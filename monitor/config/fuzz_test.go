package config

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse: no cutover.toml panics the parser; a file that is refused is
// refused with an *Error naming the file, with a line inside the file when
// it has one. The seed corpus is the example file plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("../../fixtures/cutover.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte("name = \"x\"\n[[trunks]]\nname = \"a\"\nrole = \"legacy\"\naddrs = [\"10.0.0.1\"]\n[[numbers]]\nrange = \"+14155550100-+14155550199\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse("c.toml", data)
		if err == nil {
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not a *config.Error", err, err)
		}
		if ce.File != "c.toml" || !strings.HasPrefix(err.Error(), "c.toml") {
			t.Fatalf("error %q does not name the file", err)
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; ce.Line < 0 || ce.Line > lines {
			t.Fatalf("error at line %d of a %d-line file: %v", ce.Line, lines, err)
		}
	})
}

package report

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/fixtures/recording"
	"github.com/cutover/cutover/fixtures/sim"
)

// TestReportSaysCutShort: a recording whose writer never wrote its end
// (killed, the power lost) is reported as cut short, with the time of its
// last event, at the top of every format; a closed one is not.
func TestReportSaysCutShort(t *testing.T) {
	o := sim.DefaultOptions()
	o.Numbers = 5
	path := recording.Demo(t, filepath.Join(t.TempDir(), "night.db"), o)
	build := func() *Report { return buildReport(t, path) }
	if rep := build(); rep.CutShort != nil {
		t.Fatalf("a closed recording is reported cut short at %v", rep.CutShort)
	}
	db, err := sql.Open("sqlite", path) // what a killed writer leaves: no end time
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE cutovers SET ended_ns = NULL"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rep := build()
	if rep.CutShort == nil || !rep.CutShort.Equal(rep.End) {
		t.Fatalf("cut short %v, want the last event's time %v", rep.CutShort, rep.End)
	}
	when := rep.End.UTC().Format("2006-01-02 15:04:05")
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, rep, format); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if format == "json" {
			var doc map[string]any
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc["cut_short"] == nil {
				t.Errorf("json: no cut_short in %.300s", out)
			}
			continue
		}
		i := strings.Index(out, "cut short")
		if i < 0 || !strings.Contains(out[i:], when) {
			t.Errorf("%s: no warning that the recording was cut short at %s:\n%.600s", format, when, out)
			continue
		}
		if j := strings.Index(out, "Timeline"); j >= 0 && j < i {
			t.Errorf("%s: the warning comes after the timeline, not at the top", format)
		}
	}
}

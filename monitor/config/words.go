package config

import (
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
)

// This file says what the TOML decoder found wrong in the file's own
// words: the key as written, the type its value must have and the value as
// written ("probes.fail_after: want an integer, got a string "3""), and
// for an unknown key the nearest key of its table. The decoder's own
// messages name Go's types and fields.

// tableType is the Go type of the table (or value) at a dotted key path,
// found through the toml tags of rawFile; ok is false when a key is not
// one of them.
func tableType(path []string) (t reflect.Type, ok bool) {
	t = reflect.TypeFor[rawFile]()
	for _, key := range path {
		t = elem(t)
		if t.Kind() != reflect.Struct {
			return nil, false
		}
		f, found := fieldByKey(t, key)
		if !found {
			return nil, false
		}
		t = f.Type
	}
	return t, true
}

// elem looks through pointers and arrays of tables.
func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || (t.Kind() == reflect.Slice && elemIsTable(t)) {
		t = t.Elem()
	}
	return t
}

func elemIsTable(t reflect.Type) bool {
	e := t.Elem()
	for e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	return e.Kind() == reflect.Struct && e != reflect.TypeFor[time.Time]()
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("toml"), ","); tag == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// keysOf lists the keys the table at path may hold.
func keysOf(path []string) []string {
	t, ok := tableType(path)
	if !ok {
		return nil
	}
	t = elem(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// wantWords says what a value of type t is, as the file writes it.
func wantWords(t reflect.Type, key string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Map:
		return "a table of " + strings.TrimPrefix(wantWords(t.Elem(), key), "a ") + "s"
	case reflect.Slice:
		if elemIsTable(t) {
			return "an array of tables ([[" + key + "]])"
		}
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(wantWords(t.Elem(), key), "an "), "a ") + "s"
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return "an offset date-time such as 2026-11-24T02:00:00Z"
		}
		return "a table ([" + key + "])"
	}
	return "another type of value"
}

var tomlTypeRE = regexp.MustCompile(`cannot decode TOML (\w+)`)

// gotWords says what the file holds at line:col (1-based), as written.
func gotWords(de *toml.DecodeError, data []byte, line, col int) string {
	value := valueAt(data, line, col)
	kind := ""
	if m := tomlTypeRE.FindStringSubmatch(de.Error()); m != nil {
		kind = m[1]
	} else if value != "" {
		switch value[0] {
		case '"', '\'':
			kind = "string"
		case '[':
			kind = "array"
		case '{':
			kind = "table"
		}
	}
	switch kind {
	case "":
		if value == "" {
			return ""
		}
		return "got " + value
	case "inline":
		kind = "table"
	}
	article := "a "
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		article = "an "
	}
	if value == "" || utf8.RuneCountInString(value) > 60 {
		return "got " + article + kind
	}
	return "got " + article + kind + " " + value
}

// valueAt is the TOML value starting at line:col as written: a quoted
// string, a bracketed array or inline table, or a bare word.
func valueAt(data []byte, line, col int) string {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	l := strings.TrimRight(lines[line-1], "\r")
	if col < 1 || col > len(l) {
		return ""
	}
	s := l[col-1:]
	switch s[0] {
	case '"', '\'':
		q := s[0]
		for i := 1; i < len(s); i++ {
			switch {
			case s[i] == '\\' && q == '"':
				i++
			case s[i] == q:
				return s[:i+1]
			}
		}
		return s
	case '[', '{':
		depth := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '[', '{':
				depth++
			case ']', '}':
				if depth--; depth == 0 {
					return s[:i+1]
				}
			}
		}
		return s + " …"
	}
	if i := strings.IndexAny(s, " \t,#]}"); i >= 0 {
		return s[:i]
	}
	return s
}

// typeError explains a value of the wrong type.
func typeError(name string, data []byte, de *toml.DecodeError) *Error {
	line, col := de.Position()
	key := de.Key()
	e := &Error{File: name, Line: line, Column: col, Field: strings.Join(key, "."), Msg: strings.TrimPrefix(de.Error(), "toml: ")}
	t, ok := tableType(key)
	if !ok || len(key) == 0 {
		return e
	}
	msg := "want " + wantWords(t, strings.Join(key, "."))
	if got := gotWords(de, data, line, col); got != "" {
		msg += ", " + got
	}
	e.Msg = msg
	return e
}

// didYouMean is the known key of the table nearest to key, "" when none
// is near enough to be a typo of it.
func didYouMean(table []string, key string) string {
	best, bestD := "", 0
	k := strings.ToLower(key)
	for _, c := range keysOf(table) {
		d := editDistance(k, c)
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	switch n := utf8.RuneCountInString(key); {
	case n <= 4:
		limit = 1
	case n > 10:
		limit = 3
	}
	if best == "" || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the edit distance between a and b: insertions,
// deletions, substitutions and swaps of neighbours each count one
// (optimal string alignment), so "nmae" is one from "name".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

package porting

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Path is where a value sits in a decoded response: names separated by
// dots, each optionally followed by [N] indexes, as in "data.status.value",
// "data[0].attributes.status" or "LnpOrderResponse.ProcessingStatus".
//
// It is a small evaluator of our own rather than a JSONPath or gjson
// dependency: the shapes carriers document need only member and index
// steps, the same steps must walk the tree an XML response decodes to
// (Bandwidth), and a path that is wrong must be refused when the file is
// read, with its field and line, not discovered at 2 a.m.
type Path struct {
	text  string
	steps []step
}

type step struct {
	name  string // member name, or "" for an index step
	index int
}

// ParsePath parses a path; an empty one, an empty name ("a..b") or a bad
// index ("a[x]") is an error.
func ParsePath(s string) (Path, error) {
	p := Path{text: s}
	if strings.TrimSpace(s) == "" {
		return p, fmt.Errorf("empty path")
	}
	rest := s
	for i := 0; rest != ""; i++ {
		if i > 0 && rest[0] == '.' {
			rest = rest[1:]
			if rest == "" || rest[0] == '.' || rest[0] == '[' {
				return p, fmt.Errorf("%q: a name must follow each dot", s)
			}
		}
		if rest[0] != '[' {
			end := strings.IndexAny(rest, ".[]")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return p, fmt.Errorf("%q: empty name", s)
			}
			p.steps = append(p.steps, step{name: rest[:end]})
			rest = rest[end:]
		}
		for rest != "" && rest[0] == '[' {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return p, fmt.Errorf("%q: [ without ]", s)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return p, fmt.Errorf("%q: want a number in [], such as [0], got [%s]", s, rest[1:end])
			}
			p.steps = append(p.steps, step{index: n})
			rest = rest[end+1:]
		}
		if rest != "" && rest[0] != '.' {
			return p, fmt.Errorf("%q: unexpected %q", s, rest[:1])
		}
	}
	return p, nil
}

func (p Path) String() string { return p.text }

// IsZero reports whether p is the zero Path (none given).
func (p Path) IsZero() bool { return len(p.steps) == 0 }

// errMissing says the path leads nowhere (or to null) in this response.
type errMissing struct{ path, at string }

func (e errMissing) Error() string {
	return fmt.Sprintf("%s: nothing at %s", e.path, e.at)
}

// lookup walks v (as decoded by encoding/json with UseNumber, or by
// xmlTree) and returns the scalar at the path as text.
func (p Path) lookup(v any) (string, error) {
	at := ""
	for _, st := range p.steps {
		if st.name != "" {
			if at != "" {
				at += "."
			}
			at += st.name
			m, ok := v.(map[string]any)
			if !ok {
				return "", errMissing{p.text, at}
			}
			if v, ok = m[st.name]; !ok {
				return "", errMissing{p.text, at}
			}
			continue
		}
		at += "[" + strconv.Itoa(st.index) + "]"
		a, ok := v.([]any)
		if !ok || st.index >= len(a) {
			return "", errMissing{p.text, at}
		}
		v = a[st.index]
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", errMissing{p.text, at}
	default:
		return "", fmt.Errorf("%s: an object or a list, not a value", p.text)
	}
}

package config

import (
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// position is a line and column in the file (1-based).
type position struct{ line, col int }

// positions maps a dotted field path ("trunks[1].addrs[0]") to where it is
// written. It is built with go-toml's unstable parser, which gives the
// range of every key; the decoder proper only positions its own errors.
type positions map[string]position

// positionsOf walks the document's expressions. A document that does not
// parse yields what was seen before the error (decode reports the error).
func positionsOf(data []byte) positions {
	pos := positions{}
	arrays := map[string]int{} // array-of-tables path -> entries so far
	p := &unstable.Parser{}
	p.Reset(data)
	prefix := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			path, at := resolve(p, e.Key(), "", arrays, e.Kind == unstable.ArrayTable)
			if e.Kind == unstable.ArrayTable {
				arrays[path]++
				path += "[" + strconv.Itoa(arrays[path]-1) + "]"
			}
			prefix = path
			pos.add(path, at)
		case unstable.KeyValue:
			path, at := resolve(p, e.Key(), prefix, arrays, false)
			pos.add(path, at)
			pos.values(p, path, e.Value())
		}
	}
	return pos
}

// resolve joins the key's parts onto prefix, inserting the current index
// of any array of tables it passes through ("trunks" -> "trunks[1]"),
// except at the last part of a new [[array]] header (newEntry).
func resolve(p *unstable.Parser, it unstable.Iterator, prefix string, arrays map[string]int, newEntry bool) (string, position) {
	var parts []*unstable.Node
	for it.Next() {
		parts = append(parts, it.Node())
	}
	path := prefix
	var at position
	for i, k := range parts {
		if at.line == 0 {
			at = where(p, k)
		}
		if path != "" {
			path += "."
		}
		path += string(k.Data)
		if newEntry && i == len(parts)-1 {
			break
		}
		if n, ok := arrays[path]; ok && n > 0 {
			path += "[" + strconv.Itoa(n-1) + "]"
		}
	}
	return path, at
}

// values records the positions of array elements and inline-table keys.
func (pos positions) values(p *unstable.Parser, path string, v *unstable.Node) {
	switch v.Kind {
	case unstable.Array:
		it := v.Children()
		for i := 0; it.Next(); i++ {
			el := it.Node()
			ep := path + "[" + strconv.Itoa(i) + "]"
			pos.add(ep, where(p, el))
			pos.values(p, ep, el)
		}
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			kv := it.Node()
			if kv.Kind != unstable.KeyValue {
				continue
			}
			kp, at := resolve(p, kv.Key(), path, nil, false)
			pos.add(kp, at)
			pos.values(p, kp, kv.Value())
		}
	}
}

func (pos positions) add(path string, at position) {
	if _, seen := pos[path]; !seen && at.line > 0 {
		pos[path] = at
	}
}

// where is the start of a node, or nothing when it has no raw range.
func where(p *unstable.Parser, n *unstable.Node) position {
	if n == nil || n.Raw.Length == 0 && n.Raw.Offset == 0 {
		return position{}
	}
	defer func() { _ = recover() }() // Shape panics on a range outside the input
	s := p.Shape(n.Raw)
	return position{s.Start.Line, s.Start.Column}
}

// lookup finds the position of path, or of its nearest written ancestor
// ("trunks[1].register.user" missing -> "trunks[1].register" -> "trunks[1]").
func (pos positions) lookup(path string) position {
	for path != "" {
		if at, ok := pos[path]; ok {
			return at
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return position{}
}

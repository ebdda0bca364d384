package porting

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxXMLDepth bounds how deep an XML response may nest: the documented
// shapes go three levels down.
const maxXMLDepth = 64

// xmlTree decodes an XML document into the shape a Path walks: the root
// element is the one member of the top object; an element with child
// elements is an object of them (a name repeated becomes a list), one
// with none is its trimmed text. Attributes and namespaces are ignored.
func xmlTree(r io.Reader) (any, error) {
	d := xml.NewDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("no XML element")
			}
			return nil, err
		}
		if start, ok := tok.(xml.StartElement); ok {
			v, err := xmlElement(d, 1)
			if err != nil {
				return nil, err
			}
			return map[string]any{start.Name.Local: v}, nil
		}
	}
}

func xmlElement(d *xml.Decoder, depth int) (any, error) {
	if depth > maxXMLDepth {
		return nil, fmt.Errorf("XML nested deeper than %d elements", maxXMLDepth)
	}
	var text strings.Builder
	var children map[string]any
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := xmlElement(d, depth+1)
			if err != nil {
				return nil, err
			}
			if children == nil {
				children = map[string]any{}
			}
			name := t.Name.Local
			switch prev := children[name].(type) {
			case nil:
				children[name] = v
			case []any:
				children[name] = append(prev, v)
			default:
				children[name] = []any{prev, v}
			}
		case xml.CharData:
			if text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			if children != nil {
				return children, nil
			}
			return strings.TrimSpace(text.String()), nil
		}
	}
}

package commonroad

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Limits on what the reader accepts, so that no input, however odd, makes it take unbounded memory or time.
const (
	maxDepth    = 64
	maxElements = 20_000_000
	maxBytes    = 2 << 30 // uncompressed
)

// node is one XML element: its name, attributes, trimmed text (for leaves) and children, in document order.
type node struct {
	name  string
	attrs []xml.Attr
	text  string
	kids  []*node
	line  int // line of the start tag
}

// attr returns the value of attribute name, or "".
func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// child returns the first child named name, or nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// childAny returns the first child with one of the names, or nil.
func (n *node) childAny(names ...string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		for _, nm := range names {
			if k.name == nm {
				return k
			}
		}
	}
	return nil
}

// all returns the children named name.
func (n *node) all(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// parseXML reads a whole document (plain or gzip-compressed, detected from the content) into a tree.
func parseXML(r io.Reader, name string) (*node, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &scenarios.FileError{File: name, Problem: "bad gzip stream: " + err.Error()}
		}
		defer zr.Close()
		src = zr
	}
	data, err := io.ReadAll(io.LimitReader(src, maxBytes+1))
	if err != nil {
		return nil, &scenarios.FileError{File: name, Problem: "read: " + err.Error()}
	}
	if len(data) > maxBytes {
		return nil, &scenarios.FileError{File: name, Problem: fmt.Sprintf("larger than %d bytes uncompressed", maxBytes)}
	}
	return parseBytes(data, name)
}

// parseBytes builds the element tree of an uncompressed document: scanXML's fast path where it can, else
// decodeXML.
func parseBytes(data []byte, name string) (*node, error) {
	if root, ok := scanXML(data); ok {
		return root, nil
	}
	return decodeXML(data, name)
}

// decodeXML builds the element tree of an uncompressed document with encoding/xml, naming the line and
// element of any syntax error.
func decodeXML(data []byte, name string) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var root *node
	var stack []*node
	var text []byte
	count := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			elem := ""
			if line > 0 {
				elem = fmt.Sprintf("line %d", line)
			}
			if len(stack) > 0 {
				elem = strings.TrimPrefix(elem+" in <"+stack[len(stack)-1].name+">", " ")
			}
			if strings.Contains(err.Error(), "unexpected EOF") {
				return nil, &scenarios.FileError{File: name, Element: elem, Problem: "truncated XML (unexpected end of file)"}
			}
			return nil, &scenarios.FileError{File: name, Element: elem, Problem: "malformed XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxElements {
				return nil, &scenarios.FileError{File: name, Problem: fmt.Sprintf("more than %d elements", maxElements)}
			}
			if len(stack) >= maxDepth {
				return nil, &scenarios.FileError{File: name, Element: "<" + t.Name.Local + ">",
					Problem: fmt.Sprintf("elements nested deeper than %d", maxDepth)}
			}
			line, _ := d.InputPos()
			n := &node{name: t.Name.Local, line: line}
			if len(t.Attr) > 0 {
				n.attrs = append([]xml.Attr(nil), t.Attr...)
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, &scenarios.FileError{File: name, Element: "<" + n.name + ">", Problem: "more than one root element"}
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
			text = text[:0]
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, &scenarios.FileError{File: name, Problem: "malformed XML: unexpected end element </" + t.Name.Local + ">"}
			}
			n := stack[len(stack)-1]
			if len(n.kids) == 0 {
				n.text = string(bytes.TrimSpace(text))
			}
			text = text[:0]
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && len(stack[len(stack)-1].kids) == 0 {
				text = append(text, t...)
			}
		}
	}
	if root == nil {
		return nil, &scenarios.FileError{File: name, Problem: "no XML element (empty or not an XML file)"}
	}
	if len(stack) > 0 {
		return nil, &scenarios.FileError{File: name, Element: "<" + stack[len(stack)-1].name + ">", Problem: "truncated XML: element not closed"}
	}
	return root, nil
}

// reader turns elements into values and records the first problem, with the element's path.
type reader struct {
	file string
	err  *scenarios.FileError
}

func (r *reader) fail(elem, format string, args ...any) {
	if r.err == nil {
		r.err = &scenarios.FileError{File: r.file, Element: elem, Problem: fmt.Sprintf(format, args...)}
	}
}

// float parses the text of n as a finite number.
func (r *reader) float(n *node, elem string) float64 {
	if n == nil {
		r.fail(elem, "missing")
		return 0
	}
	v, err := strconv.ParseFloat(n.text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail(elem, "not a finite number: %q (line %d)", clip(n.text), n.line)
		return 0
	}
	return v
}

// optFloat parses the child named name of n if present.
func (r *reader) optFloat(n *node, name, elem string) (float64, bool) {
	c := n.child(name)
	if c == nil {
		return 0, false
	}
	return r.float(c, elem+"."+name), true
}

// integer parses the text of n as an integer (time steps); "12.0" is accepted.
func (r *reader) integer(n *node, elem string) int {
	if n == nil {
		r.fail(elem, "missing")
		return 0
	}
	if v, err := strconv.Atoi(n.text); err == nil {
		if v < -1e9 || v > 1e9 {
			r.fail(elem, "time step out of range: %d (line %d)", v, n.line)
			return 0
		}
		return v
	}
	v, err := strconv.ParseFloat(n.text, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1e9 {
		r.fail(elem, "not an integer: %q (line %d)", clip(n.text), n.line)
		return 0
	}
	return int(v)
}

// point reads <point><x/><y/></point> (or any element with x and y children).
func (r *reader) point(n *node, elem string) geom.Vec2 {
	return geom.Vec2{X: r.float(n.child("x"), elem+".x"), Y: r.float(n.child("y"), elem+".y")}
}

// points reads the <point> children of n.
func (r *reader) points(n *node, elem string) []geom.Vec2 {
	ps := n.all("point")
	out := make([]geom.Vec2, len(ps))
	for i, p := range ps {
		out[i] = r.point(p, fmt.Sprintf("%s.point[%d]", elem, i))
	}
	return out
}

// interval is a closed interval of a value; an exact value is an interval of zero width.
type interval struct{ lo, hi float64 }

// value reads <exact>, or <intervalStart>/<intervalEnd> children of n.
func (r *reader) value(n *node, elem string) interval {
	if n == nil {
		r.fail(elem, "missing")
		return interval{}
	}
	if e := n.child("exact"); e != nil {
		v := r.float(e, elem+".exact")
		return interval{v, v}
	}
	s, e := n.child("intervalStart"), n.child("intervalEnd")
	if s == nil || e == nil {
		r.fail(elem, "needs <exact> or <intervalStart> and <intervalEnd> (line %d)", n.line)
		return interval{}
	}
	iv := interval{r.float(s, elem+".intervalStart"), r.float(e, elem+".intervalEnd")}
	if iv.lo > iv.hi {
		r.fail(elem, "interval start %v after its end %v (line %d)", iv.lo, iv.hi, n.line)
	}
	return iv
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

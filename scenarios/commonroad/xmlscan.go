package commonroad

import (
	"bytes"
	"encoding/xml"
)

// scanXML builds the element tree of an uncompressed document for the common case, several times faster
// than encoding/xml: ASCII names, quoted ASCII attribute values and text, the five predefined entities,
// comments, processing instructions and a UTF-8 XML declaration. It reports false for anything else, valid or
// not (CDATA sections, DOCTYPE, character references, non-ASCII text, an end tag that does not match its
// start tag, any syntax error, the reader's limits exceeded), and parseBytes then reads the document with
// encoding/xml, which gives the errors. Where it succeeds, its tree is the one encoding/xml's tokens build
// (TestScanXMLMatchesEncodingXML, FuzzScanXML).
func scanXML(data []byte) (*node, bool) {
	s := scanner{data: data, line: 1}
	return s.document()
}

// scanner is scanXML's state: the input, the position in it and the line there (counted as encoding/xml
// counts them), and the element and attribute names seen last, each kept as one string (a small cache
// indexed by length and end bytes: a file uses a few dozen names over and over).
type scanner struct {
	data  []byte
	pos   int
	line  int
	names [128]string
	text  []byte
	slab  []node  // nodes are allocated from it, a block at a time
	ptrs  []*node // children slices are cut from it (kidSlice)
}

// newNode returns a zero node from the slab.
func (s *scanner) newNode() *node {
	if len(s.slab) == cap(s.slab) {
		s.slab = make([]node, 0, 256)
	}
	s.slab = s.slab[:len(s.slab)+1]
	return &s.slab[len(s.slab)-1]
}

// document reads the whole input as encoding/xml's tokens feed decodeXML's tree: text kept only for leaf
// elements, one root, comments and processing instructions skipped.
func (s *scanner) document() (*node, bool) {
	var root *node
	// The open elements: the node, its name as written (prefix included) and where its children begin in
	// kids, which holds the children of every open element until it closes and gets them, in one slice.
	type open struct {
		n     *node
		qname string
		from  int
	}
	var stack []open
	var kids []*node
	count := 0
	for s.pos < len(s.data) {
		if s.data[s.pos] != '<' {
			// Text: kept for a leaf element, checked (and dropped) elsewhere.
			keep := len(stack) > 0 && len(kids) == stack[len(stack)-1].from
			if !s.charData(keep) {
				return nil, false
			}
			continue
		}
		if s.pos+1 >= len(s.data) {
			return nil, false
		}
		switch c := s.data[s.pos+1]; {
		case c == '/':
			s.pos += 2
			name, ok := s.name()
			if !ok || len(stack) == 0 {
				return nil, false
			}
			s.space()
			if s.pos >= len(s.data) || s.data[s.pos] != '>' {
				return nil, false
			}
			s.pos++
			top := stack[len(stack)-1]
			if top.qname != name {
				return nil, false
			}
			if len(kids) == top.from {
				top.n.text = string(bytes.TrimSpace(s.text))
			} else {
				top.n.kids = s.kidSlice(kids[top.from:])
				kids = kids[:top.from]
			}
			s.text = s.text[:0]
			stack = stack[:len(stack)-1]
		case c == '?':
			if !s.procInst() {
				return nil, false
			}
		case c == '!':
			if !s.comment() {
				return nil, false
			}
		default:
			s.pos++
			count++
			if count > maxElements || len(stack) >= maxDepth || (len(stack) == 0 && root != nil) {
				return nil, false
			}
			n, qname, empty, ok := s.startTag()
			if !ok {
				return nil, false
			}
			if len(stack) == 0 {
				root = n
			} else {
				kids = append(kids, n)
			}
			s.text = s.text[:0]
			if !empty {
				stack = append(stack, open{n: n, qname: qname, from: len(kids)})
			}
		}
	}
	if root == nil || len(stack) > 0 {
		return nil, false
	}
	return root, true
}

// kidSlice copies an element's children into a slice of their own, cut from a block shared by many.
func (s *scanner) kidSlice(k []*node) []*node {
	if len(k) > cap(s.ptrs)-len(s.ptrs) {
		s.ptrs = make([]*node, 0, max(1024, len(k)))
	}
	i := len(s.ptrs)
	s.ptrs = append(s.ptrs, k...)
	return s.ptrs[i : i+len(k) : i+len(k)]
}

// startTag reads an element's name (as written, and the node's local name) and attributes after its "<",
// up to and including its ">" or "/>".
func (s *scanner) startTag() (n *node, qname string, empty, ok bool) {
	qname, ok = s.name()
	if !ok {
		return nil, "", false, false
	}
	n = s.newNode()
	n.name = localName(qname)
	for {
		s.space()
		if s.pos >= len(s.data) {
			return nil, "", false, false
		}
		switch s.data[s.pos] {
		case '/':
			if s.pos+1 >= len(s.data) || s.data[s.pos+1] != '>' {
				return nil, "", false, false
			}
			s.pos += 2
			n.line = s.line
			return n, qname, true, true
		case '>':
			s.pos++
			n.line = s.line
			return n, qname, false, true
		}
		an, ok := s.name()
		if !ok {
			return nil, "", false, false
		}
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != '=' {
			return nil, "", false, false
		}
		s.pos++
		s.space()
		v, ok := s.attrValue()
		if !ok {
			return nil, "", false, false
		}
		space, local := splitName(an)
		n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Space: space, Local: local}, Value: v})
	}
}

// name reads an ASCII name: a letter or "_", then letters, digits, "_", "-", "." and at most one ":".
func (s *scanner) name() (string, bool) {
	start := s.pos
	if s.pos >= len(s.data) {
		return "", false
	}
	if c := s.data[s.pos]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_') {
		return "", false
	}
	colons := 0
	for s.pos++; s.pos < len(s.data); s.pos++ {
		c := s.data[s.pos]
		if c == ':' {
			colons++
			continue
		}
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			break
		}
	}
	if colons > 1 || (s.pos < len(s.data) && s.data[s.pos] >= 0x80) {
		return "", false
	}
	b := s.data[start:s.pos]
	slot := &s.names[(len(b)*31+int(b[0])*7+int(b[len(b)-1]))&(len(s.names)-1)]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot, true
}

// localName is an element name without its namespace prefix, as encoding/xml's Name.Local.
func localName(q string) string {
	_, l := splitName(q)
	return l
}

// splitName splits a name at its colon as encoding/xml does: a prefix and a local part, or all of it local
// when either would be empty.
func splitName(q string) (space, local string) {
	for i := 0; i < len(q); i++ {
		if q[i] == ':' {
			if i == 0 || i == len(q)-1 {
				return "", q
			}
			return q[:i], q[i+1:]
		}
	}
	return "", q
}

// space skips white space, counting lines.
func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\n':
			s.line++
		case ' ', '\t':
		case '\r':
			return // encoding/xml rewrites it; left to it
		default:
			return
		}
		s.pos++
	}
}

// attrValue reads a quoted attribute value.
func (s *scanner) attrValue() (string, bool) {
	if s.pos >= len(s.data) {
		return "", false
	}
	q := s.data[s.pos]
	if q != '"' && q != '\'' {
		return "", false
	}
	s.pos++
	start := s.pos
	plain := true
	for ; s.pos < len(s.data); s.pos++ {
		c := s.data[s.pos]
		switch {
		case c == q:
			v := s.data[start:s.pos]
			s.pos++
			if plain {
				return string(v), true
			}
			d, ok := decodeEntities(v)
			return string(d), ok
		case c == '&':
			plain = false
		case c == '<' || textClass[c] == byteOther:
			return "", false
		case c == '\n':
			s.line++
		}
	}
	return "", false
}

// charData reads text up to the next "<", appending it (entities decoded) to s.text when keep is set.
func (s *scanner) charData(keep bool) bool {
	rest := s.data[s.pos:]
	end := bytes.IndexByte(rest, '<')
	if end < 0 {
		end = len(rest)
	}
	chunk := rest[:end]
	plain := true
	for i, c := range chunk {
		switch textClass[c] {
		case byteOK:
		case byteAmp:
			plain = false
		case byteGT:
			if i >= 2 && chunk[i-1] == ']' && chunk[i-2] == ']' {
				return false // "]]>" outside CDATA: encoding/xml's error
			}
		default:
			return false
		}
	}
	s.line += bytes.Count(chunk, []byte{'\n'})
	s.pos += end
	switch {
	case plain && keep:
		s.text = append(s.text, chunk...)
	case !plain:
		d, ok := decodeEntities(chunk)
		if !ok {
			return false
		}
		if keep {
			s.text = append(s.text, d...)
		}
	}
	return true
}

// Byte classes of text and attribute values: what the fast path takes as it is, the bytes it looks at
// twice ("&" starts an entity, ">" may end a "]]>"), and the ones it leaves to encoding/xml (control
// characters but tab and newline, carriage returns, which encoding/xml rewrites, and non-ASCII bytes).
const (
	byteOK = iota
	byteAmp
	byteGT
	byteOther
)

// plainASCII reports whether b holds no byte of class byteOther.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if textClass[c] == byteOther {
			return false
		}
	}
	return true
}

var textClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == '&':
			t[c] = byteAmp
		case c == '>':
			t[c] = byteGT
		case c >= 0x80 || c == '\r' || (c < 0x20 && c != '\t' && c != '\n'):
			t[c] = byteOther
		}
	}
	return t
}()

// decodeEntities replaces the five predefined entities; it reports false for any other "&".
func decodeEntities(b []byte) ([]byte, bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '&' {
			out = append(out, b[i])
			continue
		}
		j := bytes.IndexByte(b[i:], ';')
		if j < 0 {
			return nil, false
		}
		var r byte
		switch string(b[i+1 : i+j]) {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "apos":
			r = '\''
		case "quot":
			r = '"'
		default:
			return nil, false
		}
		out = append(out, r)
		i += j
	}
	return out, true
}

// procInst skips a processing instruction at "<?". The XML declaration is checked by encoding/xml itself,
// which refuses versions other than 1.0 and encodings other than UTF-8.
func (s *scanner) procInst() bool {
	start := s.pos
	s.pos += 2
	target, ok := s.name()
	if !ok {
		return false
	}
	end := bytes.Index(s.data[s.pos:], []byte("?>"))
	if end < 0 {
		return false
	}
	body := s.data[s.pos : s.pos+end]
	if !plainASCII(body) {
		return false
	}
	s.pos += end + 2
	if target == "xml" {
		if _, err := xml.NewDecoder(bytes.NewReader(s.data[start:s.pos])).RawToken(); err != nil {
			return false
		}
	}
	s.line += bytes.Count(body, []byte{'\n'})
	return true
}

// comment skips a comment at "<!"; anything else starting "<!" (CDATA, DOCTYPE) is left to encoding/xml.
func (s *scanner) comment() bool {
	if !bytes.HasPrefix(s.data[s.pos:], []byte("<!--")) {
		return false
	}
	body := s.data[s.pos+4:]
	end := bytes.Index(body, []byte("--"))
	if end < 0 || end+2 >= len(body) || body[end+2] != '>' {
		return false // unterminated, or "--" inside: encoding/xml's error
	}
	if !plainASCII(body[:end]) {
		return false
	}
	s.line += bytes.Count(body[:end], []byte{'\n'})
	s.pos += 4 + end + 3
	return true
}

package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"asyncdrive/geom"
)

// fixedArray describes a type encoded as a JSON array of a fixed number of numbers.
type fixedArray struct {
	n    int
	want string
	// alt, when not 0, is another accepted length whose last number must be one of lastIn (AgentState's
	// optional indicator).
	alt    int
	lastIn []float64
}

var fixedArrays = map[reflect.Type]fixedArray{
	reflect.TypeFor[geom.Vec2]():  {n: 2, want: "[x, y]"},
	reflect.TypeFor[EgoState]():   {n: 6, want: "[x, y, heading, v, a, steering]"},
	reflect.TypeFor[AgentState](): {5, "[x, y, heading, vx, vy] or [x, y, heading, vx, vy, indicator]", 6, []float64{-1, 0, 1}},
}

// locate walks a syntactically valid JSON scenario document along the Scenario type and reports the first
// value that decoding rejects: its path ("expert[3]", "map.lanes[2].centerline[0]"), its byte offset and the
// problem. It runs on the error path only, to say where a decoding error is.
func locate(data []byte) (elem string, off int64, problem string, ok bool) {
	l := &locator{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	l.dec.UseNumber()
	l.value(reflect.TypeFor[Scenario](), "")
	return l.elem, l.off, l.problem, l.problem != ""
}

type locator struct {
	data    []byte
	dec     *json.Decoder
	elem    string
	off     int64
	problem string
}

// fail records a problem and returns false, to stop the walk.
func (l *locator) fail(elem string, off int64, format string, args ...any) bool {
	if elem == "" {
		elem = "(document)"
	}
	l.elem, l.off, l.problem = elem, off, fmt.Sprintf(format, args...)
	return false
}

// next reads a token and returns it with its start offset; ok is false at the end of the input or on a
// syntax error (reported elsewhere).
func (l *locator) next() (tok json.Token, start int64, ok bool) {
	start = l.dec.InputOffset()
	for start < int64(len(l.data)) && strings.IndexByte(" \t\r\n,:", l.data[start]) >= 0 {
		start++
	}
	tok, err := l.dec.Token()
	return tok, start, err == nil
}

func kindOf(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case json.Number:
		return "number " + string(t)
	case bool:
		return "boolean"
	}
	return fmt.Sprint(tok)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// value walks one value of type t at path; it returns false when it found a problem or could not go on.
func (l *locator) value(t reflect.Type, path string) bool {
	tok, start, ok := l.next()
	if !ok {
		return false
	}
	if fa, isFixed := fixedArrays[t]; isFixed {
		return l.fixed(fa, tok, start, path)
	}
	if tok == nil { // null leaves any other value as it is
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return l.fail(path, start, "want a JSON object, got JSON %s", kindOf(tok))
		}
		for l.dec.More() {
			key, kstart, ok := l.next()
			if !ok {
				return false
			}
			name, _ := key.(string)
			f, found := fieldByJSONName(t, name)
			if !found {
				return l.fail(join(path, name), kstart, "unknown field %q", name)
			}
			if !l.value(f.Type, join(path, jsonName(f))) {
				return false
			}
		}
	case reflect.Slice:
		if tok != json.Delim('[') {
			return l.fail(path, start, "want a JSON array, got JSON %s", kindOf(tok))
		}
		for i := 0; l.dec.More(); i++ {
			if !l.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)) {
				return false
			}
		}
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return l.fail(path, start, "want a JSON string, got JSON %s", kindOf(tok))
		}
		return true
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return l.fail(path, start, "want true or false, got JSON %s", kindOf(tok))
		}
		return true
	case reflect.Float64:
		return l.number(tok, start, path, false)
	case reflect.Int:
		return l.number(tok, start, path, true)
	default:
		return false // a type this walker does not know: give up rather than guess
	}
	_, _, ok = l.next() // the closing delimiter
	return ok
}

func (l *locator) number(tok json.Token, start int64, path string, integer bool) bool {
	n, ok := tok.(json.Number)
	if !ok {
		return l.fail(path, start, "want a number, got JSON %s", kindOf(tok))
	}
	if integer {
		if _, err := strconv.ParseInt(string(n), 10, strconv.IntSize); err != nil {
			return l.fail(path, start, "want an integer, got JSON number %s", n)
		}
		return true
	}
	if _, err := strconv.ParseFloat(string(n), 64); err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return l.fail(path, start, "number %s is out of the range of float64", n)
		}
		return l.fail(path, start, "want a number, got JSON number %s", n)
	}
	return true
}

func (l *locator) fixed(fa fixedArray, tok json.Token, start int64, path string) bool {
	if tok != json.Delim('[') {
		return l.fail(path, start, "want %s, got JSON %s", fa.want, kindOf(tok))
	}
	n := 0
	var last json.Number
	for ; l.dec.More(); n++ {
		el, estart, ok := l.next()
		if !ok {
			return false
		}
		num, isNum := el.(json.Number)
		if !isNum {
			return l.fail(path, estart, "want %s, got JSON %s as element %d", fa.want, kindOf(el), n)
		}
		if !l.number(el, estart, path, false) {
			return false
		}
		last = num
	}
	if n != fa.n && (fa.alt == 0 || n != fa.alt) {
		return l.fail(path, start, "want %s, got %d numbers", fa.want, n)
	}
	if n == fa.alt && fa.alt != 0 {
		if x, err := last.Float64(); err != nil || !slices.Contains(fa.lastIn, x) {
			return l.fail(path, start, "want %s, got %s as the last number (want one of %v)", fa.want, last, fa.lastIn)
		}
	}
	_, _, ok := l.next()
	return ok
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// fieldByJSONName finds the exported field of struct t that encoding/json decodes key into: an exact name
// match first, then a case-insensitive one.
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	folded := false
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" {
			continue
		}
		name := jsonName(f)
		if name == key {
			return f, true
		}
		if !folded && strings.EqualFold(name, key) {
			fold, folded = f, true
		}
	}
	return fold, folded
}

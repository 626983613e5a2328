package scenarios

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MarshalJSON encodes e as [x, y, heading, v, a, steering].
func (e EgoState) MarshalJSON() ([]byte, error) {
	return appendFloats(nil, e.Pose.X, e.Pose.Y, e.Pose.Heading, e.Speed, e.Accel, e.Steering), nil
}

// UnmarshalJSON decodes [x, y, heading, v, a, steering].
func (e *EgoState) UnmarshalJSON(data []byte) error {
	var v [6]float64
	if err := decodeFixed(data, v[:], "[x, y, heading, v, a, steering]"); err != nil {
		return err
	}
	e.Pose.X, e.Pose.Y, e.Pose.Heading, e.Speed, e.Accel, e.Steering = v[0], v[1], v[2], v[3], v[4], v[5]
	return nil
}

// MarshalJSON encodes a as [x, y, heading, vx, vy], with the indicator (1 left, -1 right) as a sixth number
// when it is on.
func (a AgentState) MarshalJSON() ([]byte, error) {
	if a.Indicator != IndicatorOff {
		return appendFloats(nil, a.Pose.X, a.Pose.Y, a.Pose.Heading, a.VX, a.VY, float64(a.Indicator)), nil
	}
	return appendFloats(nil, a.Pose.X, a.Pose.Y, a.Pose.Heading, a.VX, a.VY), nil
}

// UnmarshalJSON decodes [x, y, heading, vx, vy] or [x, y, heading, vx, vy, indicator].
func (a *AgentState) UnmarshalJSON(data []byte) error {
	const want = "[x, y, heading, vx, vy] or [x, y, heading, vx, vy, indicator]"
	var v [6]float64
	if err := decodeFixed(data, v[:5], want); err != nil {
		if err2 := decodeFixed(data, v[:], want); err2 != nil {
			return err
		}
		switch v[5] {
		case 0, 1, -1:
		default:
			return fmt.Errorf("want %s with indicator 1 (left), -1 (right) or 0, got indicator %v", want, v[5])
		}
	}
	a.Pose.X, a.Pose.Y, a.Pose.Heading, a.VX, a.VY = v[0], v[1], v[2], v[3], v[4]
	a.Indicator = Indicator(v[5])
	return nil
}

func appendFloats(b []byte, xs ...float64) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return append(b, ']')
}

func decodeFixed(data []byte, dst []float64, want string) error {
	// Pointers, because encoding/json decodes a null element into a float64 as 0 without complaint.
	var v []*float64
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("want %s: %w", want, err)
	}
	if len(v) != len(dst) {
		return fmt.Errorf("want %s, got %d numbers", want, len(v))
	}
	for i, x := range v {
		if x == nil {
			return fmt.Errorf("want %s, got null", want)
		}
		dst[i] = *x
	}
	return nil
}

// FileError is an error about a scenario file: the file, the element or field, and the problem.
type FileError struct {
	File    string // path of the file, or "" for an in-memory scenario
	Element string // e.g. "map.lanes[3] (id lane_7).centerline"
	Problem string
}

func (e *FileError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Element != "" {
		b.WriteString(e.Element)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Decode reads one scenario (JSON, plain or gzip-compressed) from r and validates it. name is used in errors.
func Decode(r io.Reader, name string) (*Scenario, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &FileError{File: name, Problem: "bad gzip stream: " + err.Error()}
		}
		defer zr.Close()
		src = zr
	}
	data, err := io.ReadAll(src)
	if err != nil {
		return nil, &FileError{File: name, Problem: "read: " + err.Error()}
	}
	return DecodeBytes(data, name)
}

// DecodeBytes parses an uncompressed JSON scenario and validates it. name is used in errors.
func DecodeBytes(data []byte, name string) (*Scenario, error) {
	// Check the version before anything else so that a future format gets a clear message.
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(data, name, err)
	}
	if head.Version == nil {
		return nil, &FileError{File: name, Element: "version", Problem: "missing (not an asyncdrive scenario file?)"}
	}
	if *head.Version != FormatVersion {
		return nil, &FileError{File: name, Element: "version",
			Problem: fmt.Sprintf("unknown format version %d (this build reads version %d)", *head.Version, FormatVersion)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, jsonError(data, name, err)
	}
	if err := Validate(&sc); err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.File = name
		}
		return nil, err
	}
	return &sc, nil
}

// jsonError turns a decoding error into a FileError with a line and column and, where known, the field.
func jsonError(data []byte, name string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the bad one included; at the end of the input it is the end.
		off := se.Offset
		if off > 0 && !strings.HasPrefix(se.Error(), "unexpected end") {
			off--
		}
		line, col := lineCol(data, off)
		return &FileError{File: name, Element: fmt.Sprintf("line %d column %d", line, col), Problem: "invalid JSON: " + se.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &FileError{File: name, Problem: "truncated JSON (unexpected end of file)"}
	}
	// encoding/json names neither the array index of a bad value nor, for errors from the states' and points'
	// own decoders, where it is (their offsets are relative to the state); nor where an unknown field is.
	// Walk the document along the Scenario type to find the first bad value.
	if elem, off, problem, ok := locate(data); ok {
		line, col := lineCol(data, off)
		return &FileError{File: name, Element: fmt.Sprintf("%s (line %d column %d)", elem, line, col), Problem: problem}
	}
	// Only an error from encoding/json itself has an offset into data.
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		line, col := lineCol(data, te.Offset)
		field := te.Field
		if field == "" {
			field = fmt.Sprintf("line %d column %d", line, col)
		} else {
			field = fmt.Sprintf("%s (line %d column %d)", field, line, col)
		}
		return &FileError{File: name, Element: field, Problem: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
	}
	return &FileError{File: name, Problem: "invalid scenario: " + err.Error()}
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// Load reads and validates a scenario file (".json" or ".json.gz"; compression is detected from the content).
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f, path)
}

// Encode writes sc as JSON, gzip-compressed when compress is set.
func Encode(w io.Writer, sc *Scenario, compress bool) error {
	if compress {
		zw := gzip.NewWriter(w)
		if err := json.NewEncoder(zw).Encode(sc); err != nil {
			return err
		}
		return zw.Close()
	}
	return json.NewEncoder(w).Encode(sc)
}

// Save validates sc and writes it to path atomically (a temporary file renamed into place). A path ending in
// ".gz" is gzip-compressed.
func Save(path string, sc *Scenario) error {
	if err := Validate(sc); err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.File = path
		}
		return err
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		return Encode(w, sc, strings.HasSuffix(path, ".gz"))
	})
}

// WriteFileAtomic writes a file through write into a temporary file in the same folder and renames it into
// place, so that readers never see a partial file.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	// CreateTemp makes the file readable by its owner only; results are for everyone who may read the folder.
	err = tmp.Chmod(0o644)
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err == nil {
		err = write(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// IsScenarioFile reports whether a file name looks like a scenario file of this format.
func IsScenarioFile(name string) bool {
	return strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".json.gz")
}

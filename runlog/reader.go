package runlog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"sort"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"asyncdrive/scenarios"
)

// Limits on what Decode accepts: the whole file (1 GiB; a run log of a 15-s scenario is about a megabyte) and
// a decompressed chunk (this writer's are 1 MiB).
const (
	maxFileSize  = 1 << 30
	maxChunkSize = 256 << 20
	// maxZstdWindow is the largest zstd window accepted (zstd's levels up to 19 use at most 8 MiB).
	maxZstdWindow = 32 << 20
	// maxWarnedTopics unknown channels are listed by name in the warnings; the rest are summed.
	maxWarnedTopics = 20
)

// Read loads the run log at path (see Decode).
func Read(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	run, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}

// errBadHeader is a run header that cannot be decoded.
var errBadHeader = errors.New("runlog: bad run header")

// Decode reads a run log. A file that ends early or is corrupt part-way (a chunk whose checksum does not
// match, a record cut short) gives the frames before the damage and a warning; messages on unknown channels
// are skipped and counted in a warning; a missing map is a warning (Run.Map nil). It is an error when the
// input is not an MCAP file or holds no run header.
//
// Decode walks the records in file order itself, following the MCAP specification (the library's lexer
// panics on some corrupt chunk headers), and needs no index, so a file whose summary was never written
// still reads; the library parses the channel and message records.
func Decode(r io.Reader) (run *Run, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("runlog: file larger than %d bytes", maxFileSize)
	}
	defer func() {
		// A last resort: FuzzDecode has found no input that panics, but a panic would mean a corrupt file.
		if p := recover(); p != nil {
			run, err = nil, fmt.Errorf("runlog: corrupt MCAP file (%v)", p)
		}
	}()
	if !bytes.HasPrefix(data, mcap.Magic) {
		return nil, errors.New("runlog: not an MCAP file (no MCAP magic bytes)")
	}
	op, _, rest, err := nextRecord(data[len(mcap.Magic):])
	if err != nil || op != mcap.OpHeader {
		return nil, errors.New("runlog: not an MCAP file: it does not start with a header record")
	}
	d := decoder{run: &Run{}, channels: map[uint16]*mcap.Channel{}, unknown: map[string]int{}}
	defer d.close()
	complete := false
	for !complete {
		var body []byte
		if op, body, rest, err = nextRecord(rest); err == nil {
			switch op {
			case mcap.OpChunk:
				err = d.chunk(body)
			case mcap.OpChannel, mcap.OpMessage:
				err = d.record(op, body)
			case mcap.OpDataEnd, mcap.OpFooter:
				// The summary section after the data end repeats what the data section said.
				complete = true
			}
		}
		if errors.Is(err, errBadHeader) {
			return nil, err
		}
		if err != nil {
			d.warn("file truncated or corrupt after %d frames: %v", len(d.run.Frames), err)
			break
		}
	}
	return d.finish(complete)
}

// errTruncated is a record cut short by the end of the file (or of its chunk).
var errTruncated = errors.New("a record runs past the end of the file")

// nextRecord splits the record at the start of b (opcode, 8-byte length, body) from the rest.
func nextRecord(b []byte) (op mcap.OpCode, body, rest []byte, err error) {
	if len(b) == 0 {
		return 0, nil, nil, errors.New("the file ends before its data end record")
	}
	if len(b) < 9 {
		return 0, nil, nil, errTruncated
	}
	n := binary.LittleEndian.Uint64(b[1:9])
	if n > uint64(len(b)-9) {
		return 0, nil, nil, errTruncated
	}
	return mcap.OpCode(b[0]), b[9 : 9+n], b[9+n:], nil
}

// decoder collects a run from the records of a file.
type decoder struct {
	run        *Run
	haveHeader bool
	channels   map[uint16]*mcap.Channel
	unknown    map[string]int // messages per unknown topic
	undeclared int            // messages on channel ids no channel record declared
	bad        int            // frame messages that could not be decoded
	zstd       *zstd.Decoder  // made for the first zstd chunk
	buf        []byte         // the decompressed chunk
	msg        mcap.Message
}

func (d *decoder) close() {
	if d.zstd != nil {
		d.zstd.Close()
	}
}

// chunk decompresses a chunk record (start and end time, uncompressed size and CRC, compression name,
// records) and reads the records in it.
func (d *decoder) chunk(body []byte) error {
	if len(body) < 8+8+8+4+4 {
		return errors.New("chunk record too short")
	}
	size := binary.LittleEndian.Uint64(body[16:24])
	crc := binary.LittleEndian.Uint32(body[24:28])
	clen := uint64(binary.LittleEndian.Uint32(body[28:32]))
	body = body[32:]
	if clen+8 > uint64(len(body)) {
		return errors.New("chunk record too short for its compression name")
	}
	compression := mcap.CompressionFormat(body[:clen])
	body = body[clen:]
	rlen := binary.LittleEndian.Uint64(body[:8])
	if rlen > uint64(len(body)-8) {
		return errors.New("chunk records run past the chunk record")
	}
	if size > maxChunkSize {
		return fmt.Errorf("chunk of %d bytes uncompressed, more than %d", size, maxChunkSize)
	}
	records, err := d.decompress(compression, body[8:8+rlen], int(size))
	if err != nil {
		return fmt.Errorf("chunk: %w", err)
	}
	if crc != 0 && crc32.ChecksumIEEE(records) != crc {
		return errors.New("chunk checksum mismatch")
	}
	for len(records) > 0 {
		var op mcap.OpCode
		var rec []byte
		if op, rec, records, err = nextRecord(records); err != nil {
			return fmt.Errorf("chunk: %w", err)
		}
		if err := d.record(op, rec); err != nil {
			return err
		}
	}
	return nil
}

// decompress returns the size bytes that a chunk's records decompress to. Buffers grow with what actually
// decompresses, not with the sizes a (possibly corrupt) chunk declares.
func (d *decoder) decompress(c mcap.CompressionFormat, b []byte, size int) ([]byte, error) {
	var r io.Reader
	switch c {
	case mcap.CompressionNone:
		if len(b) != size {
			return nil, fmt.Errorf("%d bytes of records, the chunk says %d", len(b), size)
		}
		return b, nil
	case mcap.CompressionZSTD:
		if d.zstd == nil {
			zd, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxMemory(maxChunkSize), zstd.WithDecoderMaxWindow(maxZstdWindow))
			if err != nil {
				return nil, err
			}
			d.zstd = zd
		}
		if err := d.zstd.Reset(bytes.NewReader(b)); err != nil {
			return nil, err
		}
		r = d.zstd
	case mcap.CompressionLZ4:
		r = lz4.NewReader(bytes.NewReader(b))
	default:
		return nil, fmt.Errorf("unknown compression %q", c)
	}
	buf := bytes.NewBuffer(d.buf[:0])
	_, err := buf.ReadFrom(io.LimitReader(r, int64(size)+1))
	d.buf = buf.Bytes()
	if err != nil {
		return nil, err
	}
	if len(d.buf) != size {
		return nil, fmt.Errorf("%d bytes decompressed, the chunk says %d", len(d.buf), size)
	}
	return d.buf, nil
}

// record handles a channel or a message record.
func (d *decoder) record(op mcap.OpCode, body []byte) error {
	switch op {
	case mcap.OpChannel:
		ch, err := mcap.ParseChannel(body)
		if err != nil {
			return fmt.Errorf("bad channel record: %w", err)
		}
		d.channels[ch.ID] = ch
	case mcap.OpMessage:
		if err := d.msg.PopulateFrom(body, false); err != nil {
			return fmt.Errorf("bad message record: %w", err)
		}
		return d.message(&d.msg)
	}
	return nil
}

func (d *decoder) warn(format string, args ...any) {
	d.run.Warnings = append(d.run.Warnings, fmt.Sprintf(format, args...))
}

// message handles one message; only a bad run header is an error.
func (d *decoder) message(m *mcap.Message) error {
	ch := d.channels[m.ChannelID]
	if ch == nil {
		d.undeclared++
		return nil
	}
	if ch.MessageEncoding != "json" {
		d.unknown[ch.Topic+" ("+ch.MessageEncoding+")"]++
		return nil
	}
	switch ch.Topic {
	case TopicHeader:
		if err := json.Unmarshal(m.Data, &d.run.Header); err != nil {
			return fmt.Errorf("%w: %v", errBadHeader, err)
		}
		d.haveHeader = true
	case TopicMap:
		mp := new(scenarios.Map)
		if err := json.Unmarshal(m.Data, mp); err != nil {
			d.warn("bad map message: %v", err)
			return nil
		}
		d.run.Map = mp
	case TopicFrame:
		var f Frame
		if err := json.Unmarshal(m.Data, &f); err != nil || math.IsNaN(f.T) {
			d.bad++
			return nil
		}
		d.run.Frames = append(d.run.Frames, f)
	case TopicScene, TopicTF, TopicPlan, TopicLog:
		// Foxglove's view of the same data.
	default:
		d.unknown[ch.Topic]++
	}
	return nil
}

// finish checks what was read and adds the warnings.
func (d *decoder) finish(complete bool) (*Run, error) {
	run := d.run
	if !d.haveHeader {
		if !complete && len(run.Warnings) > 0 {
			return nil, errors.New("runlog: no run header (/asyncdrive/header) before the damage: " + run.Warnings[0])
		}
		return nil, errors.New("runlog: no run header (/asyncdrive/header): not a run log")
	}
	if run.Header.Format > Format {
		d.warn("run log format %d is newer than this reader's %d: fields may be missing", run.Header.Format, Format)
	}
	if run.Map == nil {
		d.warn("no map in the file: replaying without it")
	}
	if d.bad > 0 {
		d.warn("%d frame messages could not be decoded and were skipped", d.bad)
	}
	if d.undeclared > 0 {
		d.warn("skipped %d messages on undeclared channels", d.undeclared)
	}
	topics := make([]string, 0, len(d.unknown))
	for t := range d.unknown {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	rest := 0
	for i, t := range topics {
		if i < maxWarnedTopics {
			d.warn("skipped %d messages on unknown channel %s", d.unknown[t], t)
		} else {
			rest += d.unknown[t]
		}
	}
	if rest > 0 {
		d.warn("skipped %d messages on %d more unknown channels", rest, len(topics)-maxWarnedTopics)
	}
	sort.SliceStable(run.Frames, func(i, j int) bool { return run.Frames[i].T < run.Frames[j].T })
	return run, nil
}

package runlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/foxglove/mcap/go/mcap"

	"asyncdrive/scenarios"
)

// maxFileSize bounds what Decode reads (1 GiB): a run log of a 15-s scenario is well under a megabyte.
const maxFileSize = 1 << 30

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

// Decode reads a run log. A file that ends early or is corrupt part-way gives the frames before the damage
// and a warning; messages on unknown channels are skipped and counted in a warning; a missing map is a
// warning (Run.Map nil). It is an error when the input is not an MCAP file or holds no run header.
func Decode(r io.Reader) (run *Run, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("runlog: file larger than %d bytes", maxFileSize)
	}
	defer func() {
		// The MCAP library is not hardened against every corrupt input: a panic in it is a corrupt file.
		if p := recover(); p != nil {
			run, err = nil, fmt.Errorf("runlog: corrupt MCAP file (%v)", p)
		}
	}()
	rd, err := mcap.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("runlog: not an MCAP file: %w", err)
	}
	defer rd.Close()
	it, err := rd.Messages(mcap.UsingIndex(false))
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	run = &Run{}
	haveHeader := false
	unknown := map[string]int{}
	bad := 0
	var msg mcap.Message
	for {
		_, ch, m, err := it.NextInto(&msg)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			run.Warnings = append(run.Warnings, fmt.Sprintf("file truncated or corrupt after %d frames: %v", len(run.Frames), err))
			break
		}
		switch ch.Topic {
		case TopicHeader:
			if err := json.Unmarshal(m.Data, &run.Header); err != nil {
				return nil, fmt.Errorf("runlog: bad run header: %w", err)
			}
			haveHeader = true
		case TopicMap:
			mp := new(scenarios.Map)
			if err := json.Unmarshal(m.Data, mp); err != nil {
				run.Warnings = append(run.Warnings, "bad map message: "+err.Error())
				continue
			}
			run.Map = mp
		case TopicFrame:
			var f Frame
			if err := json.Unmarshal(m.Data, &f); err != nil || math.IsNaN(f.T) {
				bad++
				continue
			}
			run.Frames = append(run.Frames, f)
		case TopicScene, TopicTF, TopicPlan, TopicLog:
			// Foxglove's view of the same data.
		default:
			unknown[ch.Topic]++
		}
	}
	if !haveHeader {
		return nil, errors.New("runlog: no run header (/asyncdrive/header): not a run log")
	}
	if run.Header.Format > Format {
		run.Warnings = append(run.Warnings, fmt.Sprintf("run log format %d is newer than this reader's %d: fields may be missing", run.Header.Format, Format))
	}
	if run.Map == nil {
		run.Warnings = append(run.Warnings, "no map in the file: replaying without it")
	}
	if bad > 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("%d frame messages could not be decoded and were skipped", bad))
	}
	topics := make([]string, 0, len(unknown))
	for t := range unknown {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		run.Warnings = append(run.Warnings, fmt.Sprintf("skipped %d messages on unknown channel %s", unknown[t], t))
	}
	sort.SliceStable(run.Frames, func(i, j int) bool { return run.Frames[i].T < run.Frames[j].T })
	return run, nil
}

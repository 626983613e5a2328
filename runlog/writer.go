package runlog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"

	"github.com/foxglove/mcap/go/mcap"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// chunkSize is the size of the chunks (uncompressed), 1 MiB.
const chunkSize = 1 << 20

// Topics of the channels.
const (
	TopicHeader = "/asyncdrive/header"
	TopicMap    = "/asyncdrive/map"
	TopicFrame  = "/asyncdrive/frame"
	TopicScene  = "/foxglove/scene"
	TopicTF     = "/foxglove/tf"
	TopicPlan   = "/foxglove/plan"
	TopicLog    = "/foxglove/log"
)

type channelDef struct {
	id     uint16
	topic  string
	schema string
}

var channels = []channelDef{
	{1, TopicHeader, "asyncdrive.Header"},
	{2, TopicMap, "asyncdrive.Map"},
	{3, TopicFrame, "asyncdrive.Frame"},
	{4, TopicScene, "foxglove.SceneUpdate"},
	{5, TopicTF, "foxglove.FrameTransform"},
	{6, TopicPlan, "foxglove.PosesInFrame"},
	{7, TopicLog, "foxglove.Log"},
}

func init() { schemaTypes["asyncdrive.Map"] = reflect.TypeFor[scenarios.Map]() }

// Log levels of Writer.Log (Foxglove's).
const (
	LevelInfo    = 2
	LevelWarning = 3
	LevelError   = 4
)

// Writer writes a run to an MCAP stream: NewWriter writes the header and the map, WriteFrame each tick, Close
// the summary and index. It is not safe for concurrent use.
type Writer struct {
	w      *mcap.Writer
	hdr    Header
	seq    uint32
	closed bool
}

// NewWriter starts a run log on out with its header and map (nil: none).
func NewWriter(out io.Writer, h Header, m *scenarios.Map) (*Writer, error) {
	return newWriter(out, h, m, mcap.CompressionZSTD)
}

// newWriter is NewWriter with the chunks' compression (tests write uncompressed files).
func newWriter(out io.Writer, h Header, m *scenarios.Map, compression mcap.CompressionFormat) (*Writer, error) {
	mw, err := mcap.NewWriter(out, &mcap.WriterOptions{
		Chunked: true, ChunkSize: chunkSize, Compression: compression, CompressionLevel: mcap.CompressionLevelFastest,
		IncludeCRC: true,
	})
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	w := &Writer{w: mw, hdr: h}
	if err := mw.WriteHeader(&mcap.Header{Profile: "", Library: "asyncdrive runlog"}); err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	for _, c := range channels {
		data, err := json.Marshal(jsonSchema(schemaTypes[c.schema]))
		if err != nil {
			return nil, fmt.Errorf("runlog: schema %s: %w", c.schema, err)
		}
		if err := mw.WriteSchema(&mcap.Schema{ID: c.id, Name: c.schema, Encoding: "jsonschema", Data: data}); err != nil {
			return nil, fmt.Errorf("runlog: %w", err)
		}
		if err := mw.WriteChannel(&mcap.Channel{ID: c.id, SchemaID: c.id, Topic: c.topic, MessageEncoding: "json"}); err != nil {
			return nil, fmt.Errorf("runlog: %w", err)
		}
	}
	h.Format = Format
	if err := w.put(1, 0, h); err != nil {
		return nil, err
	}
	if m != nil {
		if err := w.put(2, 0, m); err != nil {
			return nil, err
		}
		if err := w.put(4, 0, mapScene(m)); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// put writes v as a JSON message on channel ch at time t (s).
func (w *Writer) put(ch uint16, t float64, v any) error {
	if w.closed {
		return errors.New("runlog: write after Close")
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("runlog: encoding a message on channel %d: %w", ch, err)
	}
	ns := uint64(0)
	if t > 0 && !math.IsInf(t, 1) {
		ns = uint64(math.Round(t * 1e9))
	}
	w.seq++
	if err := w.w.WriteMessage(&mcap.Message{ChannelID: ch, Sequence: w.seq, LogTime: ns, PublishTime: ns, Data: data}); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	return nil
}

// WriteFrame writes one tick: the frame on our channel, and the scene, the ego's transform and the plan on
// Foxglove's. A frame with a number that is not finite is refused (JSON has no NaN).
func (w *Writer) WriteFrame(f *Frame) error {
	if err := w.put(3, f.T, f); err != nil {
		return err
	}
	if err := w.put(4, f.T, frameScene(f, &w.hdr.Vehicle)); err != nil {
		return err
	}
	ts := fxTimeOf(f.T)
	p := fxPoseOf(f.Ego.X, f.Ego.Y, 0, f.Ego.Heading)
	if err := w.put(5, f.T, fxFrameTransform{Timestamp: ts, ParentFrameID: "map", ChildFrameID: "ego",
		Translation: p.Position, Rotation: p.Orientation}); err != nil {
		return err
	}
	plan := fxPosesInFrame{Timestamp: ts, FrameID: "map", Poses: make([]fxPose, len(f.Plan))}
	for i, q := range f.Plan {
		plan.Poses[i] = fxPoseOf(q.X, q.Y, 0, q.Heading)
	}
	if err := w.put(6, f.T, plan); err != nil {
		return err
	}
	if f.Mode != "" && f.Mode != "proposal" {
		return w.Log(f.T, LevelInfo, "planner mode: "+f.Mode)
	}
	return nil
}

// Log writes a message on the log channel at time t (s).
func (w *Writer) Log(t float64, level int, msg string) error {
	return w.put(7, t, fxLog{Timestamp: fxTimeOf(t), Level: level, Message: msg, Name: "asyncdrive"})
}

// Close writes the summary section and index; the stream is then a complete MCAP file.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	return nil
}

var (
	colLane   = fxColor{R: 0.8, G: 0.8, B: 0.8, A: 1}
	colEgo    = fxColor{R: 0.1, G: 0.5, B: 1, A: 1}
	colAgent  = map[string]fxColor{"vehicle": {R: 1, G: 0.6, B: 0.1, A: 1}, "pedestrian": {R: 0.2, G: 0.9, B: 0.3, A: 1}, "bicycle": {R: 0.9, G: 0.3, B: 0.9, A: 1}}
	colStatic = fxColor{R: 0.6, G: 0.6, B: 0.6, A: 1}
)

// mapScene draws the lane boundaries as one line list, forever.
func mapScene(m *scenarios.Map) fxSceneUpdate {
	ln := fxLine{Type: 2, Pose: fxPoseOf(0, 0, 0, 0), Thickness: 0.1, Color: colLane}
	add := func(ps []geom.Vec2) {
		for i := 0; i+1 < len(ps); i++ {
			ln.Points = append(ln.Points, fxVec3{X: roundTo(ps[i].X, 1e3), Y: roundTo(ps[i].Y, 1e3)},
				fxVec3{X: roundTo(ps[i+1].X, 1e3), Y: roundTo(ps[i+1].Y, 1e3)})
		}
	}
	for i := range m.Lanes {
		add(m.Lanes[i].Left)
		add(m.Lanes[i].Right)
	}
	return fxSceneUpdate{Entities: []fxEntity{{FrameID: "map", ID: "map", Lines: []fxLine{ln}}}}
}

// frameScene draws the agents and the ego as cubes, replacing the last frame's.
func frameScene(f *Frame, v *Vehicle) fxSceneUpdate {
	ts := fxTimeOf(f.T)
	s, c := math.Sincos(f.Ego.Heading)
	ego := fxEntity{Timestamp: ts, FrameID: "map", ID: "ego", Cubes: []fxCube{{
		Pose:  fxPoseOf(f.Ego.X+c*v.RearToCenter, f.Ego.Y+s*v.RearToCenter, 0.8, f.Ego.Heading),
		Size:  fxVec3{X: v.Length, Y: v.Width, Z: 1.6},
		Color: colEgo,
	}}}
	ag := fxEntity{Timestamp: ts, FrameID: "map", ID: "agents"}
	for _, a := range f.Agents {
		c, ok := colAgent[a.Type]
		if !ok {
			c = colStatic
		}
		ag.Cubes = append(ag.Cubes, fxCube{Pose: fxPoseOf(a.X, a.Y, 0.75, a.Heading), Size: fxVec3{X: a.Length, Y: a.Width, Z: 1.5}, Color: c})
	}
	return fxSceneUpdate{Entities: []fxEntity{ag, ego}}
}

package runlog

import (
	"math"
	"reflect"
)

// The Foxglove message types this package writes, as Foxglove's JSON encoding spells them (there is no Go
// package of them). Times are {sec, nsec}; poses are a position and a quaternion.

type fxTime struct {
	Sec  int64 `json:"sec"`
	Nsec int64 `json:"nsec"`
}

type fxVec3 struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

type fxQuat struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
	W float64 `json:"w"`
}

type fxPose struct {
	Position    fxVec3 `json:"position"`
	Orientation fxQuat `json:"orientation"`
}

type fxColor struct {
	R float64 `json:"r"`
	G float64 `json:"g"`
	B float64 `json:"b"`
	A float64 `json:"a"`
}

type fxCube struct {
	Pose  fxPose  `json:"pose"`
	Size  fxVec3  `json:"size"`
	Color fxColor `json:"color"`
}

type fxLine struct {
	Type           int       `json:"type"` // 0 strip, 1 loop, 2 list
	Pose           fxPose    `json:"pose"`
	Thickness      float64   `json:"thickness"`
	ScaleInvariant bool      `json:"scale_invariant"`
	Points         []fxVec3  `json:"points"`
	Color          fxColor   `json:"color"`
	Colors         []fxColor `json:"colors"`
	Indices        []int     `json:"indices"`
}

type fxEntity struct {
	Timestamp   fxTime   `json:"timestamp"`
	FrameID     string   `json:"frame_id"`
	ID          string   `json:"id"`
	Lifetime    fxTime   `json:"lifetime"`
	FrameLocked bool     `json:"frame_locked"`
	Cubes       []fxCube `json:"cubes"`
	Lines       []fxLine `json:"lines"`
}

type fxDeletion struct {
	Timestamp fxTime `json:"timestamp"`
	Type      int    `json:"type"` // 0 matching id, 1 all
	ID        string `json:"id"`
}

// fxSceneUpdate is foxglove.SceneUpdate.
type fxSceneUpdate struct {
	Deletions []fxDeletion `json:"deletions"`
	Entities  []fxEntity   `json:"entities"`
}

// fxFrameTransform is foxglove.FrameTransform.
type fxFrameTransform struct {
	Timestamp     fxTime `json:"timestamp"`
	ParentFrameID string `json:"parent_frame_id"`
	ChildFrameID  string `json:"child_frame_id"`
	Translation   fxVec3 `json:"translation"`
	Rotation      fxQuat `json:"rotation"`
}

// fxPosesInFrame is foxglove.PosesInFrame.
type fxPosesInFrame struct {
	Timestamp fxTime   `json:"timestamp"`
	FrameID   string   `json:"frame_id"`
	Poses     []fxPose `json:"poses"`
}

// fxLog is foxglove.Log.
type fxLog struct {
	Timestamp fxTime `json:"timestamp"`
	Level     int    `json:"level"` // 1 debug, 2 info, 3 warning, 4 error, 5 fatal
	Message   string `json:"message"`
	Name      string `json:"name"`
	File      string `json:"file"`
	Line      int    `json:"line"`
}

func fxTimeOf(t float64) fxTime {
	ns := int64(math.Round(t * 1e9))
	return fxTime{Sec: ns / 1e9, Nsec: ns % 1e9}
}

// fxPoseOf returns the pose at (x, y, z) turned by heading about z, rounded for display: positions to the
// millimetre, the quaternion to 1e-6 (shorter JSON; Foxglove's view only).
func fxPoseOf(x, y, z, heading float64) fxPose {
	s, c := math.Sincos(heading / 2)
	return fxPose{Position: fxVec3{X: roundTo(x, 1e3), Y: roundTo(y, 1e3), Z: z}, Orientation: fxQuat{Z: roundTo(s, 1e6), W: roundTo(c, 1e6)}}
}

// roundTo rounds x to a multiple of 1/scale. Rounded numbers have short JSON encodings; the run log rounds
// only what is drawn (proposals, Foxglove's channels), never the states a replay or a score depends on.
func roundTo(x, scale float64) float64 {
	return math.Round(x*scale) / scale
}

// schemas of the channels, by schema name.
var schemaTypes = map[string]reflect.Type{
	"asyncdrive.Header":       reflect.TypeFor[Header](),
	"asyncdrive.Map":          nil, // scenarios.Map; filled in writer.go
	"asyncdrive.Frame":        reflect.TypeFor[Frame](),
	"foxglove.SceneUpdate":    reflect.TypeFor[fxSceneUpdate](),
	"foxglove.FrameTransform": reflect.TypeFor[fxFrameTransform](),
	"foxglove.PosesInFrame":   reflect.TypeFor[fxPosesInFrame](),
	"foxglove.Log":            reflect.TypeFor[fxLog](),
}

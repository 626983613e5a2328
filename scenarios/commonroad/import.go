package commonroad

import (
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// ShortExpert is the expert length, in seconds, below which Report.ShortExpert is set.
const ShortExpert = 3.0

// Result is an imported CommonRoad scenario: the scenario, its full goal and what the import noticed.
type Result struct {
	Scenario *scenarios.Scenario
	// Goal is the planning problem's goal in full (the scenario holds only a goal pose), for the goal_reached
	// metric.
	Goal   Goal
	Report Report
}

// Report lists what an import noticed about a file that the scenario model cannot say by itself.
type Report struct {
	Version string // commonRoadVersion: "2020a", "2018b", ...
	// SolutionModel is the vehicle model of the solution trajectory ("ks"), or "" without a solution file.
	SolutionModel string
	// SyntheticExpert is set when the file had no solution: the expert log was built along the route (see
	// the package documentation) and is no recorded human drive.
	SyntheticExpert bool
	// FileDT is the file's timeStepSize; StepPeriod the time between its steps as the motion shows it (an
	// integer multiple of FileDT: 0.2 s in the highD and 0.5 s in the SinD conversions here, whose files say
	// 0.1 s). When they differ the scenario is resampled to FileDT.
	FileDT, StepPeriod float64
	// StartShift is the expert's first time step minus the planning problem's, in file steps (0 when they agree): the run
	// starts at the expert's first step and every track and light was shifted by it.
	StartShift int
	// ExpertSeconds is the length of the expert log.
	ExpertSeconds float64
	// ShortExpert is set when the expert log is shorter than ShortExpert seconds.
	ShortExpert bool
	// VehicleType is the CommonRoad vehicle type of the ego (Scenario.Vehicle): the one the solution's
	// benchmark id names ("KS1:..." is type 1), else DefaultVehicleType.
	VehicleType int
	// StartOverlaps lists the tracks whose box overlaps the ego's footprint (at the expert's first pose) at
	// the start.
	StartOverlaps []string
	// InterpolatedExpertSteps counts expert states filled in where the solution skipped time steps.
	InterpolatedExpertSteps int
	// SteadiedHeadings counts the headings of crawling or standing road users (and of the expert) that
	// flipped from one sample to the next and were replaced by the heading held before (see the package
	// documentation).
	SteadiedHeadings int
	// GoalLanes are the lanes of the goal (its lanelets, or those at its regions' centres).
	GoalLanes []string
	// NoRouteToGoal is set when no lane-graph path leads from the expert's last lane to the goal lanes.
	NoRouteToGoal bool
	// NoGoalPosition is set when the goal has no position (only time, speed or orientation).
	NoGoalPosition bool
	// StartOffRoute is set when the ego's footprint centre at the start lies outside its route's first
	// lanelet: no lanelet under it runs its way (seven SinD drivers stand facing against their lane), and
	// the route starts at the nearest one that does.
	StartOffRoute bool
	// Notes are other observations (dropped dangling references, ignored planning problems, ...).
	Notes []string
}

// Flags names, in a fixed order, what a user evaluating the file should know about its data: the
// report's flags as short names ("synthetic_expert", "short_expert", "start_shifted", "start_overlap",
// "start_off_route", "no_route_to_goal", "no_goal_position"). Nil when none is set.
func (r *Report) Flags() []string {
	var out []string
	for _, f := range [...]struct {
		set  bool
		name string
	}{
		{r.SyntheticExpert, "synthetic_expert"},
		{r.ShortExpert, "short_expert"},
		{r.StartShift != 0, "start_shifted"},
		{len(r.StartOverlaps) > 0, "start_overlap"},
		{r.StartOffRoute, "start_off_route"},
		{r.NoRouteToGoal, "no_route_to_goal"},
		{r.NoGoalPosition, "no_goal_position"},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// Goal is a planning problem's goal: reaching any one of its states counts.
type Goal struct {
	States []GoalState
	// CentreOffset is how far the ego's footprint centre lies ahead of its rear axle: the point the goal's
	// positions are tested at, as the file's positions are footprint centres (see the package documentation).
	CentreOffset float64
	unreachable  string // see Unreachable
}

// GoalState is one goal state: a time interval, and optionally a position (any of the regions), an
// orientation and a velocity interval. What is absent is not constrained.
type GoalState struct {
	// TimeStart and TimeEnd bound the time, in seconds from the run start, inclusive (infinite when the file
	// gives no time).
	TimeStart, TimeEnd float64
	// Regions are polygons (a rectangle as its 4 corners, a circle as a 16-gon with its Center and Radius
	// kept, a lanelet as its outline); the position must lie in one of them. Empty: any position.
	Regions []Region
	// Lanes are the goal's lanelet ids, when the goal position is given as lanelets.
	Lanes       []string
	Orientation *Interval // radians
	Velocity    *Interval // m/s
}

// Region is one goal area.
type Region struct {
	Polygon []geom.Vec2
	Center  geom.Vec2 // circles only
	Radius  float64   // circles only; 0 for polygons
	Lane    string    // the lanelet, for a lanelet goal
}

// Interval is a closed interval.
type Interval struct{ Min, Max float64 }

// Contains reports whether p lies in the region.
func (r *Region) Contains(p geom.Vec2) bool {
	if r.Radius > 0 {
		return p.Dist(r.Center) <= r.Radius
	}
	return geom.PointInPolygon(p, r.Polygon)
}

func (r *Region) centre() geom.Vec2 {
	if r.Radius > 0 {
		return r.Center
	}
	var c geom.Vec2
	for _, p := range r.Polygon {
		c = c.Add(p)
	}
	return c.Scale(1 / float64(max(len(r.Polygon), 1)))
}

// Reached reports whether the ego, at time t (seconds from the run start) with its footprint centred at
// pose p and speed v, meets the goal state.
func (g *GoalState) Reached(t float64, p geom.Pose, v float64) bool {
	const eps = 1e-6
	if t < g.TimeStart-eps || t > g.TimeEnd+eps {
		return false
	}
	if g.Velocity != nil && (v < g.Velocity.Min-eps || v > g.Velocity.Max+eps) {
		return false
	}
	if g.Orientation != nil && !angleIn(p.Heading, *g.Orientation) {
		return false
	}
	return g.inRegion(p.Pos())
}

// inRegion reports whether p lies in one of the state's regions (true when it has none).
func (g *GoalState) inRegion(p geom.Vec2) bool {
	if len(g.Regions) == 0 {
		return true
	}
	for i := range g.Regions {
		if g.Regions[i].Contains(p) {
			return true
		}
	}
	return false
}

// angleIn reports whether angle a lies in [iv.Min, iv.Max], modulo 2 pi.
func angleIn(a float64, iv Interval) bool {
	if iv.Max-iv.Min >= 2*math.Pi {
		return true
	}
	d := math.Mod(a-iv.Min, 2*math.Pi)
	if d < 0 {
		d += 2 * math.Pi
	}
	return d <= iv.Max-iv.Min+1e-9
}

// Reached reports whether the ego, at time t (seconds from the run start) with rear-axle pose p and speed v,
// meets any goal state (see GoalState.Reached), its footprint centre CentreOffset ahead of p.
func (g *Goal) Reached(t float64, p geom.Pose, v float64) bool {
	p = p.Translate(g.CentreOffset, 0)
	for i := range g.States {
		if g.States[i].Reached(t, p, v) {
			return true
		}
	}
	return false
}

// IsFile reports whether a file name looks like a CommonRoad scenario: ".xml" or ".xml.gz", solution files
// ("*.solution.xml", "*.solution.xml.gz") excluded.
func IsFile(name string) bool {
	return (strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".xml.gz")) && !IsSolutionFile(name)
}

// IsSolutionFile reports whether a file name is a CommonRoad solution file (".solution.xml", optionally
// ".gz").
func IsSolutionFile(name string) bool {
	return strings.HasSuffix(name, ".solution.xml") || strings.HasSuffix(name, ".solution.xml.gz")
}

// SolutionPaths returns the paths where the solution of scenario file path would be: the name without
// ".xml[.gz]" (and without a ".cr" infix) plus ".solution.xml.gz" or ".solution.xml".
func SolutionPaths(path string) []string {
	base := strings.TrimSuffix(strings.TrimSuffix(path, ".gz"), ".xml")
	base = strings.TrimSuffix(base, ".cr")
	return []string{base + ".solution.xml.gz", base + ".solution.xml"}
}

// Import reads a CommonRoad scenario file (plain or gzip) and, when one exists next to it, its solution file
// (see SolutionPaths), and converts them. Errors are *scenarios.FileError values naming the file, the element
// and the problem.
func Import(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var sol io.Reader
	solName := ""
	for _, sp := range SolutionPaths(path) {
		sf, err := os.Open(sp)
		if err == nil {
			defer sf.Close()
			sol, solName = sf, sp
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return Decode(f, path, sol, solName)
}

// Load imports a CommonRoad scenario file and returns only the scenario (for callers that take
// scenarios.Load's signature).
func Load(path string) (*scenarios.Scenario, error) {
	res, err := Import(path)
	if err != nil {
		return nil, err
	}
	return res.Scenario, nil
}

// Decode reads a CommonRoad scenario from r (plain or gzip) and, when sol is not nil, its solution, and
// converts them into a validated scenario. name and solName are used in errors.
func Decode(r io.Reader, name string, sol io.Reader, solName string) (*Result, error) {
	root, err := parseXML(r, name)
	if err != nil {
		return nil, err
	}
	rd := &reader{file: name}
	doc := rd.readDocument(root)
	if rd.err != nil {
		return nil, rd.err
	}
	c := &converter{doc: doc, file: name, res: &Result{}}
	if sol != nil {
		sroot, err := parseXML(sol, solName)
		if err != nil {
			return nil, err
		}
		srd := &reader{file: solName}
		c.sol = srd.readSolution(sroot, doc.problems[0].id)
		if srd.err != nil {
			return nil, srd.err
		}
	}
	if err := c.convert(); err != nil {
		return nil, err
	}
	if err := scenarios.Validate(c.sc); err != nil {
		var fe *scenarios.FileError
		if errors.As(err, &fe) {
			fe.File = name
			fe.Problem = "converted scenario is invalid: " + fe.Problem
		}
		return nil, err
	}
	c.res.Goal.checkReach(c.sc)
	return c.res, nil
}

package viz

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/runlog"
)

// Key is a viewer command, decoupled from GLFW's key codes so that the state logic is testable.
type Key int

// Viewer commands.
const (
	KeyPlayPause Key = iota
	KeyStepBack
	KeyStepForward
	KeyFaster
	KeySlower
	KeyFirst
	KeyLast
	KeyFollow
	KeyProposals
	KeyPerception
	KeyExpert
	KeyCompare
	KeyHelp
	KeyPanel
	KeyQuit
	// KeyCommand + i sends the i-th operator command (State.Commands; keys 1 to 9).
	KeyCommand Key = 100
)

// State is the replay state: the time shown, play/pause and speed, camera following, shown layers, help.
type State struct {
	T       float64
	Playing bool
	Speed   float64 // playback speed, 1 = real time
	Follow  bool    // the camera follows the ego
	Help    bool
	Panel   bool // show the side panel
	Layers  Layers
	Quit    bool
	// Live is set when frames arrive from a running simulation: the view stays on the newest one while
	// playing.
	Live bool
	// Commands are the operator commands offered on keys 1 to 9 (Options.Commands); LastCommand is the last
	// one sent ("" none).
	Commands    []string
	LastCommand string
	sent        []string
	run         *runlog.Run
}

// NewState starts a replay of run at its first frame, playing at real time and following the ego.
func NewState(run *runlog.Run) *State {
	s := &State{Playing: true, Speed: 1, Follow: true, Panel: true, Layers: Layers{Proposals: true, Perception: true, Expert: true, Compare: true}, run: run}
	if len(run.Frames) > 0 {
		s.T = run.Frames[0].T
	}
	return s
}

// Frame returns the index of the frame shown, or -1 when the run has none.
func (s *State) Frame() int { return s.run.FrameAt(s.T) }

// Advance moves the time on by dt seconds of wall time when playing; playback stops at the last frame (live
// runs wait there for the next).
func (s *State) Advance(dt float64) {
	if !s.Playing || len(s.run.Frames) == 0 {
		return
	}
	s.T += dt * s.Speed
	if end := s.run.Duration(); s.T >= end {
		s.T = end
		if !s.Live {
			s.Playing = false
		}
	}
}

// period is the time between frames (the run's dt, 0.1 s by default).
func (s *State) period() float64 {
	if s.run.Header.DT > 0 {
		return s.run.Header.DT
	}
	return 0.1
}

// Key applies a command; shift makes steps 1 s long.
func (s *State) Key(k Key, shift bool) {
	step := s.period()
	if shift {
		step = 1
	}
	switch k {
	case KeyPlayPause:
		s.Playing = !s.Playing
		if s.Playing && s.T >= s.run.Duration() && !s.Live {
			s.T = s.start() // play again from the start
		}
	case KeyStepBack:
		s.Playing = false
		s.seek(s.T - step)
	case KeyStepForward:
		s.Playing = false
		s.seek(s.T + step)
	case KeyFaster:
		s.Speed = min(16, s.Speed*2)
	case KeySlower:
		s.Speed = max(1.0/16, s.Speed/2)
	case KeyFirst:
		s.seek(s.start())
	case KeyLast:
		s.seek(s.run.Duration())
	case KeyFollow:
		s.Follow = !s.Follow
	case KeyProposals:
		s.Layers.Proposals = !s.Layers.Proposals
	case KeyPerception:
		s.Layers.Perception = !s.Layers.Perception
	case KeyExpert:
		s.Layers.Expert = !s.Layers.Expert
	case KeyCompare:
		s.Layers.Compare = !s.Layers.Compare
	case KeyHelp:
		s.Help = !s.Help
	case KeyPanel:
		s.Panel = !s.Panel
	case KeyQuit:
		s.Quit = true
	default:
		if i := int(k - KeyCommand); k >= KeyCommand && i < len(s.Commands) && i < 9 {
			s.sent = append(s.sent, s.Commands[i])
			s.LastCommand = s.Commands[i]
		}
	}
}

// TakeCommands returns the operator commands sent since the last call, in order.
func (s *State) TakeCommands() []string {
	out := s.sent
	s.sent = nil
	return out
}

func (s *State) start() float64 {
	if len(s.run.Frames) == 0 {
		return 0
	}
	return s.run.Frames[0].T
}

// seek shows the frame nearest to t (within the run).
func (s *State) seek(t float64) {
	s.T = min(max(t, s.start()), s.run.Duration())
	if k := s.Frame(); k >= 0 {
		// Snap to the frame at or before t, rounding up a hair so that stepping lands on frames exactly.
		if k+1 < len(s.run.Frames) && s.run.Frames[k+1].T-t < 1e-6 {
			k++
		}
		s.T = s.run.Frames[k].T
	}
}

// Scrub jumps to a fraction (0 to 1) of the run, as a click on the timeline does.
func (s *State) Scrub(frac float64) {
	frac = min(max(frac, 0), 1)
	s.seek(s.start() + frac*(s.run.Duration()-s.start()))
}

// Append adds a frame of a live run: frames must come in time order (one that does not is dropped and
// Append returns false). While playing, the view jumps to the newest frame.
func (s *State) Append(f runlog.Frame) bool {
	if n := len(s.run.Frames); math.IsNaN(f.T) || math.IsInf(f.T, 0) || n > 0 && f.T <= s.run.Frames[n-1].T {
		return false
	}
	s.run.Frames = append(s.run.Frames, f)
	if s.Playing || len(s.run.Frames) == 1 {
		s.T = f.T
	}
	return true
}

// FollowEgo centres the camera on the ego of the frame shown when following.
func (s *State) FollowEgo(cam *Camera) {
	if !s.Follow {
		return
	}
	if k := s.Frame(); k >= 0 {
		e := s.run.Frames[k].Ego
		if p := (geom.Vec2{X: e.X, Y: e.Y}); p.IsFinite() {
			cam.Center = p
		}
	}
}

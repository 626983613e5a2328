// Package runlog records closed-loop runs as MCAP files and reads them back: one file per scenario, with
// everything a faithful replay needs on our own JSON channels and, beside them, Foxglove channels so that
// the same file opens in Foxglove's 3D panel.
//
// Channels (JSON messages, "jsonschema" schemas; docs/runlog.md lists the fields):
//
//	/asyncdrive/header     Header, once: scenario, planner, agents, period, vehicle
//	/asyncdrive/map        scenarios.Map, once: lanes, roadblocks, crosswalks, stop lines, lights, areas
//	/asyncdrive/frame      Frame, every planner tick: ego, agents, lights, plan, proposals, guidance,
//	                       perception, metrics, planner runtime
//	/foxglove/scene        foxglove.SceneUpdate: the map's lane lines, agents and ego as cubes
//	/foxglove/tf           foxglove.FrameTransform: map -> ego
//	/foxglove/plan         foxglove.PosesInFrame: the planned trajectory
//	/foxglove/log          foxglove.Log: warnings and the planner's mode
//
// A Writer writes a file; a Recorder is a sim.StepObserver that writes one as the simulation runs, to a
// temporary name renamed on Close, so a file with the final name is complete. Read (or Decode) loads a run
// back, a truncated or corrupt file as far as it goes, with a warning; unknown channels are counted and
// skipped; Run.FrameAt finds the frame to show at a time. Per-step metrics (collisions, TTC, drivable area)
// use package metrics' kernels as metrics.Evaluate does.
package runlog

// Package perception is asyncdrive's collaborative perception: simulated senders (the ego's own sensor,
// connected vehicles chosen among a scenario's agents, roadside units at its intersections) whose detections
// reach the ego late, out of order, lost or duplicated, and a fusion that weighs each detection by its trust
// and compensates the delay. The simulator's planner can see its tracks instead of the ground truth
// (Stack implements the simulator's Perception interface); the benchmark scores them with BEV AP.
//
// # Senders (sensor.go)
//
// A Sender has a SensorConfig: range, field of view, occlusion by nearer boxes (five sample points per
// object; a pole-mounted roadside unit is hidden only by long vehicles), a detection probability that falls
// with the squared distance and with the visible share, centre noise along and across the line of sight that
// grows with distance, heading and size noise, Poisson false positives, its own pose error (drawn per frame:
// sigma_xy 0.2 m, sigma_yaw 0.2 deg for connected vehicles and roadside units; the ego's frame is the
// reference) and a fixed clock offset. Detections are placed in the world with the sender's believed pose and
// carry the covariance it reports (sensor noise plus pose uncertainty: the aleatoric uncertainty). Every draw
// comes from a PCG stream seeded from the run seed, the scenario id, the sender's name and the frame, so runs
// are reproducible and different methods and delays see the same detections. A Fault makes a sender drop
// out, flood, lie about its pose, send NaN covariances or jump its clock.
//
// # Channels (channel.go)
//
// A Channel delays each message by Binomial(10, p) x 100 ms (DAIR-V2X, CoDynTrust) or by OpenCOOD's uniform
// overhead plus transmission time, loses 2 % and duplicates 1 % of them (a duplicate has its own delay, so
// messages overtake each other). Draws are coupled across expected delays.
//
// # Fusion (fusion.go)
//
// The Fuser keeps a replay buffer of the last Window frames (1 s): each detection is applied at its capture
// frame, and a late message rewinds the state to that frame and replays the frames since (buffer and
// replay), which compensates delays exactly for the constant-velocity model. In each frame: tracks (4-state
// constant-velocity Kalman filters, heading and size filtered apart) are predicted; each sender's
// detections, moved to the frame time with the track's velocity and their covariance grown by the process
// noise, are gated (chi-square, 2 dof) and assigned with the Hungarian method on each connected group of
// gated pairs; the detections of a track are fused by covariance intersection with weights
// trust * (1/tr R) / sum(1/tr R), where trust = aleatoric (reported covariance) x epistemic (disagreement
// with the other senders and the track's prediction) x staleness exp(-lambda * delay) x the sender's
// reputation (beta reputation with forgetting, from the consistency of its detections with the fused
// estimate, lowered by rejected input and missing messages); unassigned detections, clustered across
// senders, give birth to tracks unless they overlap a track they did not gate with (a misplaced detection,
// which counts against its sender). Existence is kept in log-odds: detections raise it, coasting lowers it,
// and so does every sender that covered a track (in range, in view, not behind a nearer track) without
// seeing it. Bad input (unknown senders, stamps from the future or far past, duplicates, non-finite or
// non-positive-definite values, floods) is counted in FusionStats and never fails.
//
// # Baselines (late.go)
//
// The ego-only method is the same Fuser fed by the ego's sensor alone. LateFusion is naive late fusion: the
// newest message of each sender as it is, rotated non-maximum suppression, no compensation, no trust.
//
// # Evaluation (ap.go, bench.go)
//
// APAccumulator computes BEV AP at rotated IoU 0.5 and 0.7 (geom.BoxIoU) with VOC all-point
// interpolation, detections sorted globally over all frames, and the position RMSE; BenchScenario runs every
// method at every delay on a scenario's logs. docs/perception.md has the protocol and the measured table.
package perception

// Package llmguide is the asynchronous language-model guide: it reads the scene and a routing or operator
// instruction, runs a model over them every few planner ticks, and turns the model's heads into planner
// guidance (planner.Guidance) that the real-time planner reads with its age, never waiting for it.
//
// # Model contract
//
// Any ONNX model with these inputs and outputs can be dropped in (a large pretrained language model
// included, exported with a projection to these heads):
//
//	inputs
//	  scene  float32 [batch, SceneTokens=48, TokenDim=16]  scene tokens in the ego frame (SceneTokensOf)
//	  words  int64   [batch, MaxWords=16]                  instruction word ids (Tokenize), 0-padded
//	outputs
//	  features     float32 [batch, FeatureDim=64]  the instruction feature vector
//	  lane_logits  float32 [batch, 3]              lane-change intent: left, keep, right
//	  target_speed float32 [batch, 1]              desired speed in 3 s, m/s
//	  stop_logit   float32 [batch, 1]              stop-or-yield within 3 s (logit)
//	optional outputs
//	  turn_logits  float32 [batch, 3]              movement at the next junction: left, straight, right
//	  slow_logit   float32 [batch, 1]              the instruction asks to drive slowly (logit)
//	  pullover_logit float32 [batch, 1]            the instruction asks to stop at the pickup zone (logit)
//	  headway      float32 [batch, 1]              the time gap drivers keep here to the vehicle ahead, s
//
// turn_logits name the junction movement (a lane connector) the ego should take next, within about 50 m;
// straight when no junction is near. A model without it still meets the contract: its Output.TurnProbs
// stay zero and the guide gives no turn guidance. slow_logit says that the instruction in force is an
// operator command to drive slowly ("drive slowly"); at Adapter.SlowConfidence its target speed caps the
// planner, and a model with it caps the planner at no other time. A model without it still meets the
// contract: its Output.SlowProb stays zero and its target speed plus Adapter.SpeedMargin caps the planner.
// pullover_logit says that the instruction is to stop at the pickup zone ("stop at the pickup zone"); its
// probability goes to the planner as Guidance.PullOverProb. Without it, Output.PullOverProb stays zero.
// headway is the time gap (s) a driver keeps to the vehicle ahead in such a scene, learned from the recorded
// drivers' gaps (motorway drivers keep about 1 s, urban ones 1.5 s or more); it goes to the planner as
// Guidance.Headway, which the planner keeps within its own bounds (planner.PDMConfig.MinGuidedHeadway and
// Headway). Without it, Output.Headway stays zero and the planner keeps its own headway.
//
// A scene token is 16 numbers: a one-hot kind (ego, vehicle, pedestrian, bicycle, static object, lane
// point, traffic light, stop line or crosswalk: the first 9), then x and y in the ego frame (metres / 50),
// the cosine and sine of the heading relative to the ego's, speed (m/s / 20), length and width (m / 10) and
// a kind-specific value (lanes: 1 on the route, 0.5 a neighbouring lane; lights: 1 red, 0.5 yellow, 0
// green; agents: the turn signal). Tokens are ordered: the ego, up to 15 agents by distance, up to 24 lane
// points along the route and its neighbours, up to 4 lights, up to 4 stop lines and crosswalks; unused
// tokens are zero.
//
// Instructions are lower-case words from a fixed vocabulary (Vocabulary): routing instructions in
// AsyncDriver's style ("turn left in 40 meters", "go straight", "keep going"; RouteInstruction makes them
// from the route) and operator commands ("change to the left lane", "drive slowly", "stop at the pickup
// zone"). Numbers are words too ("40"), rounded to 10 m.
//
// # Asynchrony
//
// A Guide runs the model every Interval planner ticks (or at a rate) and skips the work in between. In the
// simulator's virtual time (Guide implements sim.Guide) the result for the observation at t arrives at
// t + latency, fixed or drawn from a seeded distribution, so runs are reproducible; the planner gets the
// latest result that has arrived, with its age. In wall time a Runner runs the model on its own goroutine
// and publishes results in a Mailbox that the planner loop reads without blocking.
package llmguide

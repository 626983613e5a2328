// Package dataset exports training samples for the guide's model from scenarios with an expert: the scene
// tokens and an instruction at a moment, labels from the expert's next 3 seconds (lane change, speed, stop),
// the movement at the next junction of the expert's route (turn), whether the instruction asks to drive
// slowly (slow) and whether it asks to stop at the pickup zone (pullover). scripts/train_guide.py trains on
// them.
package dataset

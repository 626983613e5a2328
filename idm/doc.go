// Package idm is the Intelligent Driver Model (Treiber et al., 2000), the car-following law used by nuPlan's
// reactive agents, its IDM planner baseline, PDM-Closed's proposals and the scenario generator's traffic.
package idm

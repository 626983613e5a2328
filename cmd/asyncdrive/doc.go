// Command asyncdrive generates nuPlan-style scenarios, evaluates planners on them in closed loop with
// nuPlan's metrics, and merges sharded evaluations. Run "asyncdrive help" for the commands.
package main

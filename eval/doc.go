// Package eval runs a planner over a suite of scenarios in closed loop and aggregates nuPlan's scores: the
// batch layer under "asyncdrive eval" and "asyncdrive merge".
//
// A run takes an ordered list of scenario sources (Item: a scenario file, or a generator spec that is turned
// into a scenario inside the worker), an optional shard of that list, and a Runner that simulates one
// scenario and returns its metrics, its closed-loop score and the planner's per-call runtimes. eval does not
// know the simulator: the command line wires sim and planner into a Runner.
//
// Output, in the folder Config.Out:
//
//	run.json        what the run is (planner, agents, options, suite, shard): resume and merge check it
//	results/NNNNNN.json  one record per finished scenario, written atomically as it finishes
//	results.jsonl   every record in suite order, one JSON object per line (written at the end)
//	summary.json    the aggregate: CLS x100 overall and per type, metric means, runtime percentiles
//
// Guarantees: results do not depend on the number of workers or on completion order (records are kept and
// aggregated in suite order, and every floating-point sum runs in that order); an interrupted run keeps what
// finished and a rerun into the same folder only runs what is missing; a merge of shards gives the same
// results.jsonl and summary.json as one process, timing fields excepted. docs/eval.md describes every field.
//
// Choosing what to run: FolderItems lists a folder's scenario files (following symbolic links); ParseMatch,
// MatchKey and SelectItems narrow a list by key patterns, FailedKeys to the scenarios that failed in an
// earlier run (Failures: an at-fault collision, a missed goal, an error) ("eval --match", "--failed-in").
//
// Reading finished runs: WriteComparison prints several summaries side by side ("asyncdrive report");
// DiffRecords and WriteDiff compare two runs' records scenario by scenario ("asyncdrive report --diff").
package eval

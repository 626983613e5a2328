package planner

import (
	"fmt"
	"sort"
	"strings"

	"asyncdrive/scenarios"
)

// Factory makes a planner for one scenario. Oracle planners (log replay) read the scenario's expert log;
// others must only use what Initialize and ComputeTrajectory give them.
type Factory func(sc *scenarios.Scenario) Planner

var registry = map[string]Factory{
	"log_replay": func(sc *scenarios.Scenario) Planner { return NewLogReplay(sc) },
	"idm":        func(*scenarios.Scenario) Planner { return NewIDM(IDMConfig{}) },
	"idm_nuplan": func(*scenarios.Scenario) Planner { return NewNuPlanIDM() },
	"pdm":        func(*scenarios.Scenario) Planner { return NewPDM(PDMConfig{}) },
}

// Register adds a planner under name; it panics on a duplicate name (a programming error at init time).
func Register(name string, f Factory) {
	if _, dup := registry[name]; dup {
		panic("planner: duplicate registration of " + name)
	}
	registry[name] = f
}

// Names returns the registered planner names, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// New makes the planner called name for scenario sc.
func New(name string, sc *scenarios.Scenario) (Planner, error) {
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown planner %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return f(sc), nil
}

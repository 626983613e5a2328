package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"asyncdrive/eval"
	"asyncdrive/llmguide/dataset"
	"asyncdrive/scenarios/commonroad"
)

func guideDatasetHelp() string {
	return `usage: asyncdrive guide-dataset --out DIR [--per-type N] [--seed S] [--commonroad DIR] [--every K]
                              [--instructions N] [--instruction-seed S]

Exports training samples for the guide's model (scene tokens, an instruction, labels from the expert's next
3 s, the time gap it keeps to the road user ahead where it follows one, the movement at the next junction
and whether the instruction asks to drive slowly or to stop at the pickup zone) from the builtin suite,
from the generated instruction scenarios
(--instructions per type, from a training seed: the evaluation suites use seed 1) and from the recorded
CommonRoad scenarios that have a human expert (scripts/train_guide.py reads them; make model runs both).
Samples of instruction scenarios see what the guide sees in a run: the route the planner is given and the
scenario's instruction in force.

`
}

type guideDatasetFlags struct {
	out        string
	commonroad string
	every      int
	// instructions: instruction scenarios per type (0: none), from instructionSeed.
	instructions    int
	instructionSeed uint64
	suiteFlags
}

// defaultInstructionSeed is the seed of the instruction scenarios the guide trains on: not the evaluation
// suites' seed (defaultSeed).
const defaultInstructionSeed = 1001

func (g *guideDatasetFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&g.out, "out", "", "output `folder` (required)")
	fs.StringVar(&g.commonroad, "commonroad", "", "CommonRoad scenario `folder` to add (only files with a recorded expert)")
	fs.IntVar(&g.every, "every", 3, "take every `K`-th CommonRoad file")
	fs.IntVar(&g.instructions, "instructions", 40, "generated instruction scenarios per type to add (`N`; 0: none)")
	fs.Uint64Var(&g.instructionSeed, "instruction-seed", defaultInstructionSeed, "seed of the instruction scenarios (a training seed: evaluation uses 1)")
	g.suiteFlags.define(fs, "builtin suite: ")
}

func runGuideDataset(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("guide-dataset", flag.ContinueOnError)
	var g guideDatasetFlags
	g.define(fs)
	pos, err := parseFlags(fs, guideDatasetHelp(), args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("guide-dataset", "unexpected argument %q", pos[0])
	case g.out == "":
		return usagef("guide-dataset", "missing --out DIR")
	case g.every < 1:
		return usagef("guide-dataset", "--every must be at least 1")
	case g.instructions < 0:
		return usagef("guide-dataset", "--instructions must be at least 0")
	}
	if g.instructions > 0 && g.instructionSeed == defaultSeed {
		fmt.Fprintf(stderr, "guide-dataset: warning: --instruction-seed %d is the evaluation suites' seed: the model would train on the scenes it is evaluated on\n", defaultSeed)
	}
	specs, _, err := g.specs("guide-dataset")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(g.seed, 7))
	var samples []dataset.Sample
	for _, sp := range specs {
		sc, err := generate(sp)
		if err != nil {
			return err
		}
		samples = append(samples, dataset.FromScenario(sc, dataset.Options{Stride: 5}, rng)...)
	}
	nBuiltin := len(samples)
	for _, sp := range instructionSuite(max(0, g.instructions), g.instructionSeed) {
		sc, err := generate(sp)
		if err != nil {
			return err
		}
		for _, s := range dataset.FromScenario(sc, dataset.Options{Stride: 5}, rng) {
			s.Source = "instructions/" + s.Source
			samples = append(samples, s)
		}
	}
	nInstr := len(samples) - nBuiltin
	skipped := 0
	if g.commonroad != "" {
		items, err := eval.FolderItems(g.commonroad)
		if err != nil {
			return err
		}
		for i, it := range items {
			if i%g.every != 0 {
				continue
			}
			res, err := commonroad.Import(it.Source)
			if err != nil || res.Report.SyntheticExpert {
				skipped++
				continue
			}
			for _, s := range dataset.FromScenario(res.Scenario, dataset.Options{Stride: 10}, rng) {
				s.Source = "commonroad/" + strings.SplitN(it.Key, "/", 2)[0]
				samples = append(samples, s)
			}
		}
	}
	if err := dataset.Write(g.out, samples, func(s dataset.Sample) string {
		switch {
		case strings.HasPrefix(s.Source, "commonroad/"):
			return s.Source
		case strings.HasPrefix(s.Source, "instructions/"):
			return "instructions"
		}
		return "builtin"
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d samples (%d builtin, %d instruction scenarios, %d CommonRoad; %d CommonRoad files skipped: no recorded expert) to %s\n",
		len(samples), nBuiltin, nInstr, len(samples)-nBuiltin-nInstr, skipped, filepath.Clean(g.out))
	return nil
}

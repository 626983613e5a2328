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

Exports training samples for the guide's model (scene tokens, an instruction, labels from the expert's next
3 s) from the builtin suite and from the recorded CommonRoad scenarios that have a human expert
(scripts/train_guide.py reads them; make model runs both).

`
}

type guideDatasetFlags struct {
	out        string
	commonroad string
	every      int
	suiteFlags
}

func (g *guideDatasetFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&g.out, "out", "", "output `folder` (required)")
	fs.StringVar(&g.commonroad, "commonroad", "", "CommonRoad scenario `folder` to add (only files with a recorded expert)")
	fs.IntVar(&g.every, "every", 3, "take every `K`-th CommonRoad file")
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
		if strings.HasPrefix(s.Source, "commonroad/") {
			return s.Source
		}
		return "builtin"
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d samples (%d builtin, %d CommonRoad; %d CommonRoad files skipped: no recorded expert) to %s\n",
		len(samples), nBuiltin, len(samples)-nBuiltin, skipped, filepath.Clean(g.out))
	return nil
}

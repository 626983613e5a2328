package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"asyncdrive/scenarios"
)

func genHelp() string { return genHelpText }

const genHelpText = `usage: asyncdrive gen --out DIR [--suite nuplan|instructions] [--per-type N] [--seed S] [--types a,b]
                      [--gzip] [--workers N]

Generates the nuPlan-style scenario suite (the same scenarios as "eval --scenarios builtin") and writes
one file per scenario, DIR/<type>/<id>.json (or .json.gz), atomically. Deterministic from the seed.
--suite instructions generates the scenarios where the instructions matter instead (docs/instructions.md).

examples:
  asyncdrive gen --out scenarios/
  asyncdrive gen --out /tmp/instr --suite instructions --per-type 5
  asyncdrive gen --out /tmp/few --per-type 2 --types changing_lane,stopping_with_lead --gzip

flags:
`

// suiteFlags select scenarios of the generated suite (gen, and eval with --scenarios builtin).
type suiteFlags struct {
	suite   string
	perType int
	seed    uint64
	types   string
}

// Generated suites (--suite): the 14 nuPlan types, or the instruction-dependent types.
const (
	suiteNuPlan       = "nuplan"
	suiteInstructions = "instructions"
)

// define adds --suite, --per-type, --seed and --types, their help prefixed by what (e.g. "builtin suite: ").
func (s *suiteFlags) define(fs *flag.FlagSet, what string) {
	fs.StringVar(&s.suite, "suite", suiteNuPlan, what+"generated suite: nuplan (the 14 nuPlan types) or instructions (routing and operator instructions)")
	fs.IntVar(&s.perType, "per-type", defaultPerType, what+"scenarios per scenario type")
	fs.Uint64Var(&s.seed, "seed", defaultSeed, what+"suite seed")
	fs.StringVar(&s.types, "types", "", what+"comma-separated scenario types (default: all of the suite)")
}

// specs checks the flags for command cmd and returns the selected scenarios and the types given (none: all).
func (s *suiteFlags) specs(cmd string) ([]spec, []string, error) {
	if s.perType < 1 {
		return nil, nil, usagef(cmd, "--per-type must be at least 1, got %d", s.perType)
	}
	if s.suite == suiteInstructions {
		types, err := selectTypesOf(cmd, s.types, instructionTypes())
		if err != nil {
			return nil, nil, err
		}
		return filterSpecs(instructionSuite(s.perType, s.seed), types), types, nil
	}
	if s.suite != suiteNuPlan {
		return nil, nil, usagef(cmd, "unknown --suite %q (want %s or %s)", s.suite, suiteNuPlan, suiteInstructions)
	}
	types, err := selectTypes(cmd, s.types)
	if err != nil {
		return nil, nil, err
	}
	return suiteSpecs(s.perType, s.seed, types), types, nil
}

// selectTypesOf checks a --types list against the types of a suite; empty means all.
func selectTypesOf(cmd, list string, known []string) ([]string, error) {
	types := splitList(list)
	for _, t := range types {
		if !slices.Contains(known, t) {
			return nil, usagef(cmd, "unknown scenario type %q (known: %s)", t, strings.Join(known, ", "))
		}
	}
	return types, nil
}

// filterSpecs keeps the specs of the given types (none: all).
func filterSpecs(all []spec, types []string) []spec {
	if len(types) == 0 {
		return all
	}
	var out []spec
	for _, s := range all {
		if slices.Contains(types, s.Type) {
			out = append(out, s)
		}
	}
	return out
}

type genFlags struct {
	suiteFlags
	out     string
	gzip    bool
	workers int
}

func (g *genFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&g.out, "out", "", "output `folder` (required)")
	g.suiteFlags.define(fs, "")
	fs.BoolVar(&g.gzip, "gzip", false, "write gzip-compressed .json.gz files")
	fs.IntVar(&g.workers, "workers", runtime.NumCPU(), "scenarios generated in parallel")
}

// selectTypes checks a --types list against the known scenario types; empty means all.
func selectTypes(cmd, list string) ([]string, error) {
	types := splitList(list)
	for _, t := range types {
		if !slices.Contains(scenarioTypes(), t) {
			return nil, usagef(cmd, "unknown scenario type %q (known: %s)", t, strings.Join(scenarioTypes(), ", "))
		}
	}
	return types, nil
}

// suiteSpecs returns the builtin suite, restricted to types if any are given.
func suiteSpecs(perType int, seed uint64, types []string) []spec {
	all := builtinSuite(perType, seed)
	if len(types) == 0 {
		return all
	}
	var out []spec
	for _, s := range all {
		if slices.Contains(types, s.Type) {
			out = append(out, s)
		}
	}
	return out
}

// fileName makes a scenario id safe as a file name.
func fileName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, id)
}

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	var g genFlags
	g.define(fs)
	pos, err := parseFlags(fs, genHelp(), args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("gen", "unexpected argument %q", pos[0])
	case g.out == "":
		return usagef("gen", "missing --out DIR")
	case g.workers < 1:
		return usagef("gen", "--workers must be at least 1, got %d", g.workers)
	}
	specs, _, err := g.specs("gen")
	if err != nil {
		return err
	}
	ext := ".json"
	if g.gzip {
		ext = ".json.gz"
	}

	jobs := make(chan spec)
	var mu sync.Mutex
	var failures []string
	written := 0
	var wg sync.WaitGroup
	for range min(g.workers, len(specs)) {
		wg.Go(func() {
			for sp := range jobs {
				err := genOne(g.out, sp, ext)
				mu.Lock()
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s/%03d: %v", sp.Type, sp.Index, err))
				} else {
					written++
				}
				mu.Unlock()
			}
		})
	}
	for _, sp := range specs {
		if ctx.Err() != nil {
			break
		}
		jobs <- sp
	}
	close(jobs)
	wg.Wait()
	slices.Sort(failures)
	for _, f := range failures {
		fmt.Fprintf(stderr, "asyncdrive gen: %s\n", f)
	}
	fmt.Fprintf(stdout, "wrote %d scenario files to %s\n", written, g.out)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted after %d of %d scenarios: %w", written, len(specs), err)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d scenarios failed", len(failures), len(specs))
	}
	return nil
}

// genOne generates one scenario and saves it (validated, atomically) as DIR/<type>/<id><ext>.
func genOne(dir string, sp spec, ext string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	sc, err := generate(sp)
	if err != nil {
		return err
	}
	sub := filepath.Join(dir, fileName(sc.Type))
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return err
	}
	return scenarios.Save(filepath.Join(sub, fileName(sc.ID)+ext), sc)
}

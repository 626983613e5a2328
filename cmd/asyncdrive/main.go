package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"asyncdrive/eval"
	"asyncdrive/sim"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1   // the command ran and failed
	exitUsage       = 2   // bad command line
	exitInterrupted = 130 // Ctrl-C or SIGTERM; finished results are kept
)

// agentModes are the values of --agents: nuPlan's non-reactive (log replay) and reactive (IDM) agents, and
// the reactive agents exactly as nuPlan runs them (sim.ReactiveNuPlan).
var agentModes = []string{string(sim.NonReactive), string(sim.Reactive), string(sim.ReactiveNuPlan)}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a bad command line: printed with a pointer to the help, exit code 2.
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

type command struct {
	name    string
	summary string
	help    func() string // usage line(s); the flags are appended
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"gen", "generate the nuPlan-style scenario suite as files", genHelp, runGen},
		{"eval", "evaluate a planner in closed loop and score it with nuPlan's metrics", evalHelp, runEval},
		{"merge", "combine the outputs of sharded evaluations", mergeHelp, runMerge},
		{"report", "print finished evaluations side by side, or diff two scenario by scenario", reportHelp, runReport},
		{"sim", "simulate one scenario, optionally live in the viewer or into a run log", simHelp, runSim},
		{"view", "replay a run log in the OpenGL viewer, or render a screenshot", viewHelp, runView},
		{"guide-dataset", "export training samples for the guide's model", guideDatasetHelp, runGuideDataset},
		{"perception-bench", "benchmark collaborative perception (AP, RMSE) under message delay", perceptionBenchHelp, runPerceptionBench},
		{"version", "print the version", func() string { return "usage: asyncdrive version\n" }, runVersion},
		{"help", "show help for a command", func() string { return "usage: asyncdrive help [command]\n" }, nil},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			if c, ok := findCommand(rest[0]); ok && c.run != nil {
				fmt.Fprint(stdout, c.help())
				printFlags(stdout, newFlagSet(c.name, stdout))
				return exitOK
			}
			if rest[0] != "help" {
				fmt.Fprintf(stderr, "asyncdrive help: unknown command %q\n\n%s", rest[0], mainUsage())
				return exitUsage
			}
		}
		fmt.Fprint(stdout, mainUsage())
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c, ok := findCommand(name)
	if !ok || c.run == nil {
		fmt.Fprintf(stderr, "asyncdrive: unknown command %q\n\n%s", name, mainUsage())
		return exitUsage
	}
	err := c.run(ctx, rest, stdout, stderr)
	var ue *usageError
	var ie *eval.InterruptedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "asyncdrive %s: %s\nrun 'asyncdrive help %s' for usage\n", ue.cmd, ue.msg, ue.cmd)
		return exitUsage
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "asyncdrive %s: %s\n", c.name, trimPrefix(err, c.name))
		return exitInterrupted
	default:
		fmt.Fprintf(stderr, "asyncdrive %s: %s\n", c.name, trimPrefix(err, c.name))
		return exitError
	}
}

// trimPrefix drops the "eval: " that the eval package puts before its errors.
func trimPrefix(err error, name string) string {
	msg := err.Error()
	for _, p := range []string{name + ": ", "eval: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

func findCommand(name string) (command, bool) {
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == name })
	if i < 0 {
		return command{}, false
	}
	return commands()[i], true
}

func mainUsage() string {
	var b strings.Builder
	b.WriteString(`asyncdrive: closed-loop evaluation of driving planners on nuPlan-style scenarios.

usage: asyncdrive <command> [flags]

commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-13s %s\n", c.name, c.summary)
	}
	b.WriteString(`
examples:
  asyncdrive eval --planner idm --agents reactive                   # builtin suite, 14 types x 20
  asyncdrive eval --planner log_replay --out out/expert --workers 2
  asyncdrive gen --out scenarios/ --per-type 5 --gzip
  asyncdrive eval --scenarios scenarios/ --planner idm --out out/idm-files
  asyncdrive eval --planner idm --shard 0/4 --out out/idm/shard-0   # one of 4 slices
  asyncdrive merge --out out/idm out/idm/shard-*
  asyncdrive report out/log_replay-nonreactive out/idm-nonreactive
  asyncdrive report --diff out/pdm-before out/pdm-after             # what a change moved
  asyncdrive eval --planner pdm --types changing_lane --per-type 2 --record out/logs
  asyncdrive view out/logs/changing_lane_000.mcap                   # needs a display
  asyncdrive view out/logs/changing_lane_000.mcap --screenshot shot.png --at 5
  asyncdrive sim --planner pdm --scenario starting_left_turn/3 --view
  asyncdrive perception-bench --out out/perception                  # AP under 0-500 ms delay
  asyncdrive eval --planner pdm --perception fused --delay-ms 300   # plan on fused tracks

Run 'asyncdrive help <command>' for a command's flags. docs/eval.md describes the output files.
`)
	return b.String()
}

// newFlagSet returns the flag set of a command with its flags defined on dummy targets (for help).
func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	switch name {
	case "gen":
		var g genFlags
		g.define(fs)
	case "eval":
		var e evalFlags
		e.define(fs)
	case "merge":
		var m mergeFlags
		m.define(fs)
	case "sim":
		var m simFlags
		m.define(fs)
	case "view":
		var v viewFlags
		v.define(fs)
	case "guide-dataset":
		var g guideDatasetFlags
		g.define(fs)
	case "perception-bench":
		var p perceptionBenchFlags
		p.define(fs)
	}
	return fs
}

// printFlags prints a flag set's defaults as flag.PrintDefaults does, with the "--name" spelling the
// documentation uses (the flag package accepts both).
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if strings.HasPrefix(line, "  -") {
			line = "  --" + line[3:]
		}
		io.WriteString(w, line)
	}
}

// parseFlags parses args with flags allowed after positional arguments ("merge a b --out c"); it returns
// the positional arguments. -h prints the command's help to stdout and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, help string, args []string, stdout io.Writer) ([]string, error) {
	var errBuf strings.Builder
	fs.SetOutput(&errBuf)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, help)
				printFlags(stdout, fs)
				return nil, err
			}
			return nil, usagef(fs.Name(), "%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// isSet reports whether flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// splitList splits "a,b, c" into its non-empty elements.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// checkChoice returns a usage error naming the known values if v is not one of them.
func checkChoice(cmd, what, v string, known []string) error {
	if slices.Contains(known, v) {
		return nil
	}
	if v == "" {
		return usagef(cmd, "missing --%s (one of: %s)", what, strings.Join(known, ", "))
	}
	return usagef(cmd, "unknown %s %q (known: %s)", what, v, strings.Join(known, ", "))
}

func runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return usagef("version", "unexpected argument %q", args[0])
	}
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(stdout, "asyncdrive %s (%s %s/%s)\n", version, goVersion, runtime.GOOS, runtime.GOARCH)
	return nil
}

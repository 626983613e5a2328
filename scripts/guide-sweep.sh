#!/usr/bin/env bash
# Sweeps the guide's interval K and latency L (issue 6's targets) and prints the runs side by side.
#
# usage: scripts/guide-sweep.sh [OUT_DIR] [SUITE...]
#   OUT_DIR  where the runs go (default out/guide-sweep); finished runs are resumed, not redone
#   SUITE    builtin (the builtin suite, 5 scenarios per type: 70), instructions (the instruction suite: 80),
#            real (every 5th CommonRoad file: 175 of 875); default: all three
# Environment: BIN (default bin/asyncdrive), KS (default "1 3 5 10 20"), LS (default "0 100 300"),
#              AGENTS (default nonreactive), WORKERS (default 2).
# Each suite gets an unguided run and one guided run per (K, L); `asyncdrive report` prints them, one column
# per run, with CLS, instructions followed, goals reached and the guide's calls and inference times.
set -euo pipefail
out=${1:-out/guide-sweep}
shift || true
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(builtin instructions real)
bin=${BIN:-bin/asyncdrive}
ks=${KS:-1 3 5 10 20}
ls=${LS:-0 100 300}
agents=${AGENTS:-nonreactive}
workers=${WORKERS:-2}
[ -x "$bin" ] || { echo "guide-sweep: $bin not found (run make build)" >&2; exit 1; }
# field DIR NAME: the value of NAME (with its indentation) in DIR/summary.json.
field() { sed -n "s/^$2: \\([^,]*\\),\\{0,1\\}\$/\\1/p" "$1/summary.json" | head -1; }
# cell DIR: "CLS" with the instructions followed and goals reached, where the suite has them.
cell() {
	local score followed goal extra=""
	score=$(field "$1" '  "score"')
	followed=$(field "$1" '  "instruction_followed"')
	goal=$(field "$1" '  "goal_reached"')
	[ "$followed" = null ] || extra=" ($(awk -v f="$followed" 'BEGIN { printf "%.1f%% followed", 100 * f }'))"
	[ "$goal" = null ] || extra="$extra ($(awk -v f="$goal" 'BEGIN { printf "%.1f%% goals", 100 * f }'))"
	awk -v s="$score" -v e="$extra" 'BEGIN { printf "%.2f%s", s, e }'
}
for suite in "${suites[@]}"; do
	case $suite in
	builtin) src=(--per-type 5) ;;
	instructions) src=(--suite instructions) ;;
	real)
		dir=$(dirname "$0")/../../shared/data/commonroad
		[ -d "$dir" ] || { echo "guide-sweep: $dir not found" >&2; exit 1; }
		src=(--scenarios "$dir" --shard 0/5) ;;
	*) echo "guide-sweep: unknown suite $suite (builtin, instructions or real)" >&2; exit 2 ;;
	esac
	runs=("$out/$suite/unguided")
	"$bin" eval --planner pdm --agents "$agents" --workers "$workers" "${src[@]}" --out "$out/$suite/unguided" >/dev/null
	for k in $ks; do
		for l in $ls; do
			d=$out/$suite/k$k-l$l
			"$bin" eval --planner pdm --agents "$agents" --workers "$workers" "${src[@]}" --guide builtin \
				--guide-interval "$k" --guide-latency-ms "$l" --out "$d" >/dev/null
			runs+=("$d")
		done
	done
	echo "== $suite: every run side by side"
	"$bin" report "${runs[@]}"
	echo
	echo "== $suite: CLS x100 (instructions followed, goals reached) by interval K and latency L; unguided $(cell "$out/$suite/unguided")"
	printf '| K \\ L |'
	for l in $ls; do printf ' %s ms |' "$l"; done
	printf ' guide calls |\n|---|'
	for l in $ls; do printf -- '---|'; done
	printf -- '---|\n'
	for k in $ks; do
		printf '| %s |' "$k"
		for l in $ls; do printf ' %s |' "$(cell "$out/$suite/k$k-l$l")"; done
		printf ' %s |\n' "$(field "$out/$suite/k$k-l${ls%% *}" '    "calls"')"
	done
	echo
done

#!/usr/bin/env bash
# peerlift's exact matcher against an independent solver, side by side in one run, on the same
# exported whole problem: a generated region's teacher pairs (every arc the hard rules allow).
#
#   bash bench/independent.sh [SEED] [SIZE]       # defaults: seed 1, region
#
# 1. `peerlift bench` generates the region, runs the whole teacher-pair matching (timed phase by
#    phase) and writes the problem it solved in the export shape (README: "Checking
#    optimality").
# 2. `peerlift problem check` checks the file alone: feasible, objective = its arcs, and the
#    duals in it prove the assignment optimal.
# 3. `peerlift problem dimacs` converts it to DIMACS; LEMON (Debian's liblemon-dev, installed
#    here if missing) solves it with its network simplex and its cost scaling.
# 4. The optima must agree (LEMON's minimum cost is minus our maximum weight); the script prints
#    the ratios of our solve, and of our whole run, to LEMON's solve alone.
#
# LEMON is a benchmark tool, not a dependency of the service.
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${1:-1}
SIZE=${2:-region}
WORK=${WORK:-target/independent}
mkdir -p "$WORK"

if [ ! -f /usr/include/lemon/network_simplex.h ]; then
  echo "== installing LEMON (liblemon-dev) from Debian's packages"
  apt-get update -qq && apt-get install -y -qq liblemon-dev >/dev/null
fi
if [ ! -x "$WORK/lemon_solve" ] || [ bench/lemon_solve.cpp -nt "$WORK/lemon_solve" ]; then
  g++ -O2 -o "$WORK/lemon_solve" bench/lemon_solve.cpp
fi
cargo build --release -q
PEERLIFT=./target/release/peerlift

echo "== peerlift: $SIZE, seed $SEED"
ours=$($PEERLIFT bench --size "$SIZE" --seed "$SEED" --json --export "$WORK/problem.json")
echo "$ours"
echo "== the exported file, checked on its own"
$PEERLIFT problem check "$WORK/problem.json"
$PEERLIFT problem dimacs "$WORK/problem.json" --out "$WORK/problem.min"

lemon_ns=$("$WORK/lemon_solve" "$WORK/problem.min" network_simplex)
echo "$lemon_ns"
lemon_cs=$("$WORK/lemon_solve" "$WORK/problem.min" cost_scaling)
echo "$lemon_cs"

python3 - "$ours" "$lemon_ns" "$lemon_cs" <<'PY'
import json, sys
ours, ns, cs = (json.loads(x) for x in sys.argv[1:4])
objective = ours["solver_objective"]
ok = True
for other in (ns, cs):
    same = -other["cost"] == objective
    ok &= same
    print(f"{other['algorithm']:>16}: optimum {-other['cost']} {'=' if same else '!='} ours {objective}")
print()
print(f"arcs {ours['arcs']}, demands {ours['demands']}, mentors {ours['suppliers']}, pairs {ours['pairs']}, A covered {ours['a_covered']}/{ours['a_demands']}")
print(f"ours: solve {ours['solve_s']:.3f} s, whole run {ours['pairs_run_s']:.3f} s "
      f"(graph {ours['graph_s']:.3f}, candidates {ours['candidates_s']:.3f}, explain {ours['explain_s']:.3f})")
for other in (ns, cs):
    print(f"LEMON {other['algorithm']}: solve {other['solve_s']:.3f} s (reading the file {other['read_s']:.3f} s); "
          f"ratio ours/LEMON: solve {ours['solve_s']/other['solve_s']:.2f}, whole run {ours['pairs_run_s']/other['solve_s']:.2f}")
sys.exit(0 if ok else 1)
PY

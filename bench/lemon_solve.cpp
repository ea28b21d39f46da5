// An independent solver for peerlift's exported matching problems: reads the DIMACS
// min-cost-flow file that `peerlift problem dimacs` writes and solves it with LEMON
// (https://lemon.cs.elte.hu/, Debian's liblemon-dev). Prints one JSON line: the algorithm,
// seconds to read, seconds to solve, and the optimal cost (minus the matching's weight).
//
// Build: g++ -O2 -o lemon_solve bench/lemon_solve.cpp   (bench/independent.sh does it)
// Use:   lemon_solve FILE.min [network_simplex|cost_scaling|capacity_scaling]
#include <lemon/smart_graph.h>
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/cost_scaling.h>
#include <lemon/capacity_scaling.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

using namespace lemon;
typedef long long Value;

static double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

template <typename Solver>
static int run(const char* name, SmartDigraph& g, SmartDigraph::ArcMap<Value>& lower,
               SmartDigraph::ArcMap<Value>& cap, SmartDigraph::ArcMap<Value>& cost,
               SmartDigraph::NodeMap<Value>& supply, double read_s) {
  auto t = std::chrono::steady_clock::now();
  Solver solver(g);
  solver.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
  typename Solver::ProblemType r = solver.run();
  double solve_s = since(t);
  if (r != Solver::OPTIMAL) {
    std::printf("{\"algorithm\":\"%s\",\"error\":\"not optimal (%d)\"}\n", name, (int)r);
    return 1;
  }
  std::printf("{\"algorithm\":\"%s\",\"nodes\":%d,\"arcs\":%d,\"read_s\":%.3f,\"solve_s\":%.3f,\"cost\":%lld}\n",
              name, countNodes(g), countArcs(g), read_s, solve_s,
              (long long)solver.template totalCost<Value>());
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.min [network_simplex|cost_scaling|capacity_scaling]\n", argv[0]);
    return 2;
  }
  std::string algorithm = argc > 2 ? argv[2] : "network_simplex";
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 2;
  }
  SmartDigraph g;
  SmartDigraph::ArcMap<Value> lower(g), cap(g), cost(g);
  SmartDigraph::NodeMap<Value> supply(g);
  auto t = std::chrono::steady_clock::now();
  readDimacsMin(in, g, lower, cap, cost, supply);
  double read_s = since(t);
  if (algorithm == "network_simplex")
    return run<NetworkSimplex<SmartDigraph, Value, Value> >("network_simplex", g, lower, cap, cost, supply, read_s);
  if (algorithm == "cost_scaling")
    return run<CostScaling<SmartDigraph, Value, Value> >("cost_scaling", g, lower, cap, cost, supply, read_s);
  if (algorithm == "capacity_scaling")
    return run<CapacityScaling<SmartDigraph, Value, Value> >("capacity_scaling", g, lower, cap, cost, supply, read_s);
  std::fprintf(stderr, "unknown algorithm %s\n", algorithm.c_str());
  return 2;
}

// Tests for gridlock::graph (harness/src/graph.h), three ways as Abseil's graphcycles_test: small named
// fixtures, random operations checked against a naive model, and invariant checks after every step.
#include "graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <span>
#include <vector>

namespace gridlock {
namespace {

using node = graph::node;
using path = std::vector<node>;

constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

std::vector<path> all_paths(const graph& g, node from, node to, std::size_t max_paths = unbounded,
                            std::size_t max_nodes = unbounded) {
  std::vector<path> out;
  g.for_each_path(from, to, max_paths, max_nodes, unbounded, [&](std::span<const node> p) {
    out.emplace_back(p.begin(), p.end());
    return true;
  });
  return out;
}

std::vector<path> sorted(std::vector<path> paths) {
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::multiset<node> successor_set(const graph& g, node n) {
  std::span<const node> s = g.successors(n);
  return {s.begin(), s.end()};
}

// ---------------------------------------------------------------------------------------------------
// Named fixtures.

TEST(GraphTest, EmptyGraph) {
  graph g;
  EXPECT_EQ(g.node_count(), 0u);
  EXPECT_EQ(g.edge_count(), 0u);
  EXPECT_FALSE(g.has_edge(1, 2));
  EXPECT_TRUE(g.successors(1).empty());
  EXPECT_TRUE(g.reachable(7, 7));  // a node reaches itself, even an unknown one
  EXPECT_FALSE(g.reachable(1, 2));
  EXPECT_TRUE(all_paths(g, 1, 2).empty());
  EXPECT_TRUE(all_paths(g, 1, 1).empty());
  g.remove_edge(1, 2);  // both no-ops
  g.remove_node(1);
  EXPECT_EQ(g.node_count(), 0u);
}

TEST(GraphTest, TwoCycle) {
  graph g;
  EXPECT_TRUE(g.insert_edge(1, 2));
  EXPECT_FALSE(g.reachable(2, 1));
  EXPECT_TRUE(g.insert_edge(2, 1));
  EXPECT_TRUE(g.reachable(1, 2));
  EXPECT_TRUE(g.reachable(2, 1));
  EXPECT_EQ(all_paths(g, 1, 1), (std::vector<path>{{1, 2, 1}}));
  EXPECT_EQ(all_paths(g, 2, 2), (std::vector<path>{{2, 1, 2}}));
  EXPECT_EQ(all_paths(g, 2, 1), (std::vector<path>{{2, 1}}));
  EXPECT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.edge_count(), 2u);
}

TEST(GraphTest, SelfLoop) {
  graph g;
  EXPECT_TRUE(g.insert_edge(5, 5));
  EXPECT_FALSE(g.insert_edge(5, 5));
  EXPECT_TRUE(g.has_edge(5, 5));
  EXPECT_EQ(g.node_count(), 1u);
  EXPECT_EQ(g.edge_count(), 1u);
  EXPECT_EQ(successor_set(g, 5), (std::multiset<node>{5}));
  EXPECT_EQ(all_paths(g, 5, 5), (std::vector<path>{{5, 5}}));
  EXPECT_TRUE(all_paths(g, 5, 5, unbounded, 1).empty());

  g.insert_edge(5, 6);
  g.insert_edge(6, 5);
  EXPECT_EQ(sorted(all_paths(g, 5, 5)), (std::vector<path>{{5, 5}, {5, 6, 5}}));
  // The self-loop is the shortest cycle, so it comes first even though it was inserted first anyway.
  EXPECT_EQ(all_paths(g, 5, 5).front(), (path{5, 5}));
  // A self-loop never appears inside a simple path between two other nodes.
  EXPECT_EQ(all_paths(g, 6, 5), (std::vector<path>{{6, 5}}));

  g.remove_edge(5, 5);
  EXPECT_FALSE(g.has_edge(5, 5));
  EXPECT_EQ(all_paths(g, 5, 5), (std::vector<path>{{5, 6, 5}}));
  g.insert_edge(5, 5);
  g.remove_node(5);
  EXPECT_EQ(g.edge_count(), 0u);
  EXPECT_EQ(g.node_count(), 1u);
  EXPECT_TRUE(g.successors(6).empty());
}

// A ring of n nodes with sparse ids, found both as a cycle and as the v -> u path that closes it.
void check_ring(std::size_t n) {
  graph g;
  std::vector<node> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back(static_cast<node>(1'000'003 * (i + 1)));
  for (std::size_t i = 0; i + 1 < n; ++i) ASSERT_TRUE(g.insert_edge(ids[i], ids[i + 1]));

  // The lock-order detector asks, before adding u -> v, for the paths v -> u.
  const node u = ids.back(), v = ids.front();
  EXPECT_TRUE(g.reachable(v, u));
  EXPECT_FALSE(g.reachable(u, v));
  EXPECT_EQ(all_paths(g, v, u), (std::vector<path>{ids}));
  EXPECT_TRUE(all_paths(g, v, v).empty());

  ASSERT_TRUE(g.insert_edge(u, v));
  for (std::size_t start = 0; start < n; ++start) {
    path cycle;
    for (std::size_t i = 0; i <= n; ++i) cycle.push_back(ids[(start + i) % n]);
    EXPECT_EQ(all_paths(g, ids[start], ids[start]), (std::vector<path>{cycle}));
    EXPECT_EQ(all_paths(g, ids[start], ids[start], unbounded, n + 1).size(), 1u);
    EXPECT_TRUE(all_paths(g, ids[start], ids[start], unbounded, n).empty());
  }
}

TEST(GraphTest, ThreeNodeCycle) { check_ring(3); }

TEST(GraphTest, FiveNodeCycle) { check_ring(5); }

TEST(GraphTest, FiveNodeCycleWithChord) {
  graph g;
  for (node i = 0; i < 5; ++i) g.insert_edge(i, (i + 1) % 5);
  g.insert_edge(0, 3);  // inserted last, but shorter
  EXPECT_EQ(all_paths(g, 0, 0), (std::vector<path>{{0, 3, 4, 0}, {0, 1, 2, 3, 4, 0}}));
  EXPECT_EQ(all_paths(g, 0, 4), (std::vector<path>{{0, 3, 4}, {0, 1, 2, 3, 4}}));
  EXPECT_EQ(all_paths(g, 1, 1), (std::vector<path>{{1, 2, 3, 4, 0, 1}}));
}

TEST(GraphTest, LongChain) {
  constexpr node n = 10'000;
  graph g;
  for (node i = 0; i + 1 < n; ++i) ASSERT_TRUE(g.insert_edge(i, i + 1));
  EXPECT_EQ(g.node_count(), n);
  EXPECT_EQ(g.edge_count(), n - 1);
  EXPECT_TRUE(g.reachable(0, n - 1));
  EXPECT_FALSE(g.reachable(n - 1, 0));

  std::vector<path> paths = all_paths(g, 0, n - 1);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].size(), n);
  EXPECT_EQ(all_paths(g, 0, n - 1, unbounded, n).size(), 1u);
  EXPECT_TRUE(all_paths(g, 0, n - 1, unbounded, n - 1).empty());

  g.insert_edge(n - 1, 0);
  paths = all_paths(g, 0, 0);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].size(), n + 1);
  EXPECT_EQ(paths[0].front(), 0u);
  EXPECT_EQ(paths[0].back(), 0u);

  g.remove_node(n / 2);
  EXPECT_FALSE(g.reachable(0, n - 1));
  EXPECT_TRUE(g.reachable(n / 2 + 1, n / 2 - 1));  // around through the closing edge
  EXPECT_TRUE(all_paths(g, 0, 0).empty());
}

TEST(GraphTest, RemovedNode) {
  graph g;
  g.insert_edge(1, 2);
  g.insert_edge(2, 3);
  g.insert_edge(3, 2);
  g.insert_edge(4, 2);
  g.remove_node(2);
  EXPECT_EQ(g.node_count(), 3u);
  EXPECT_EQ(g.edge_count(), 0u);
  EXPECT_FALSE(g.has_edge(1, 2));
  EXPECT_FALSE(g.has_edge(2, 3));
  EXPECT_FALSE(g.has_edge(3, 2));
  EXPECT_FALSE(g.reachable(1, 3));
  EXPECT_FALSE(g.reachable(1, 2));
  EXPECT_TRUE(g.successors(1).empty());
  EXPECT_TRUE(g.successors(2).empty());
  EXPECT_TRUE(g.successors(3).empty());
  g.remove_node(2);  // already gone

  // The id comes back fresh, without its old edges.
  EXPECT_TRUE(g.insert_edge(2, 1));
  EXPECT_EQ(g.node_count(), 4u);
  EXPECT_EQ(successor_set(g, 2), (std::multiset<node>{1}));
  EXPECT_FALSE(g.has_edge(2, 3));
  EXPECT_TRUE(g.reachable(2, 1));
  EXPECT_FALSE(g.reachable(1, 2));
}

TEST(GraphTest, RemoveHubKeepsOtherEdges) {
  graph g;
  constexpr node hub = 9'999'999;
  for (node i = 0; i < 1000; ++i) {
    g.insert_edge(hub, i);
    g.insert_edge(i, hub);
    g.insert_edge(i, i + 1);
  }
  g.remove_node(hub);
  EXPECT_EQ(g.edge_count(), 1000u);
  for (node i = 0; i < 1000; ++i) {
    EXPECT_EQ(successor_set(g, i), (std::multiset<node>{i + 1}));
    EXPECT_TRUE(g.has_edge(i, i + 1));
  }
  EXPECT_TRUE(g.reachable(0, 1000));
}

TEST(GraphTest, RemoveEdge) {
  graph g;
  g.insert_edge(1, 2);
  g.insert_edge(1, 3);
  g.insert_edge(1, 4);
  g.remove_edge(1, 2);
  g.remove_edge(1, 2);  // absent: no-op
  g.remove_edge(2, 1);  // never existed
  EXPECT_FALSE(g.has_edge(1, 2));
  EXPECT_TRUE(g.has_edge(1, 3));
  EXPECT_TRUE(g.has_edge(1, 4));
  EXPECT_EQ(successor_set(g, 1), (std::multiset<node>{3, 4}));
  EXPECT_EQ(g.edge_count(), 2u);
  EXPECT_EQ(g.node_count(), 4u);  // nodes stay until remove_node
  EXPECT_FALSE(g.reachable(1, 2));
  EXPECT_TRUE(g.insert_edge(1, 2));
  EXPECT_EQ(successor_set(g, 1), (std::multiset<node>{2, 3, 4}));
}

TEST(GraphTest, DuplicateInsert) {
  graph g;
  EXPECT_TRUE(g.insert_edge(1, 2));
  EXPECT_FALSE(g.insert_edge(1, 2));
  EXPECT_TRUE(g.insert_edge(2, 1));  // the reverse is a different edge
  EXPECT_EQ(g.edge_count(), 2u);
  EXPECT_EQ(successor_set(g, 1), (std::multiset<node>{2}));
}

TEST(GraphTest, ExtremeIds) {
  constexpr node max = std::numeric_limits<node>::max();
  graph g;
  EXPECT_TRUE(g.insert_edge(0, max));
  EXPECT_TRUE(g.insert_edge(max, 0));
  EXPECT_TRUE(g.insert_edge(1, 0));
  EXPECT_FALSE(g.has_edge(0, 1));
  EXPECT_EQ(all_paths(g, max, max), (std::vector<path>{{max, 0, max}}));
  EXPECT_TRUE(g.reachable(1, max));
}

// k stacked diamonds: 2^k paths from 0 to the end, all of 2k + 1 nodes.
node diamonds(graph& g, node k) {
  for (node i = 0; i < k; ++i) {
    const node a = 3 * i, b = a + 1, c = a + 2, d = a + 3;
    g.insert_edge(a, b);
    g.insert_edge(a, c);
    g.insert_edge(b, d);
    g.insert_edge(c, d);
  }
  return 3 * k;
}

TEST(GraphTest, MaxPathsBound) {
  graph g;
  const node end = diamonds(g, 10);
  EXPECT_EQ(all_paths(g, 0, end).size(), 1024u);
  EXPECT_EQ(all_paths(g, 0, end, 3).size(), 3u);
  EXPECT_EQ(all_paths(g, 0, end, 1).size(), 1u);
  EXPECT_TRUE(all_paths(g, 0, end, 0).empty());
  EXPECT_EQ(sorted(all_paths(g, 0, end, 5000)), sorted(all_paths(g, 0, end)));
}

TEST(GraphTest, MaxNodesBound) {
  graph g;
  // 0 -> 9 directly, and through chains of one, two and three nodes.
  g.insert_edge(0, 9);
  g.insert_edge(0, 1);
  g.insert_edge(1, 9);
  g.insert_edge(0, 2);
  g.insert_edge(2, 3);
  g.insert_edge(3, 9);
  g.insert_edge(0, 4);
  g.insert_edge(4, 5);
  g.insert_edge(5, 6);
  g.insert_edge(6, 9);
  for (std::size_t max_nodes = 0; max_nodes <= 6; ++max_nodes) {
    const std::vector<path> paths = all_paths(g, 0, 9, unbounded, max_nodes);
    EXPECT_EQ(paths.size(), max_nodes < 2 ? 0 : std::min<std::size_t>(max_nodes - 1, 4)) << max_nodes;
    for (const path& p : paths) EXPECT_LE(p.size(), max_nodes);
  }
  // Shortest first: the direct edge, then by length, whatever the insertion order.
  const std::vector<path> paths = all_paths(g, 0, 9);
  ASSERT_EQ(paths.size(), 4u);
  for (std::size_t i = 0; i < paths.size(); ++i) EXPECT_EQ(paths[i].size(), i + 2);
}

TEST(GraphTest, VisitReturningFalseStops) {
  graph g;
  const node end = diamonds(g, 4);
  int calls = 0;
  g.for_each_path(0, end, unbounded, unbounded, unbounded, [&](std::span<const node>) {
    ++calls;
    return false;
  });
  EXPECT_EQ(calls, 1);

  calls = 0;
  g.for_each_path(0, end, unbounded, unbounded, unbounded, [&](std::span<const node>) { return ++calls < 5; });
  EXPECT_EQ(calls, 5);

  // A stopped enumeration leaves no stale marks behind.
  EXPECT_EQ(all_paths(g, 0, end).size(), 16u);
}

// Every path from 0 to 2 goes through 1 (its only way in), and 1 is on every path already: the clique
// 3..14 behind it can reach 2 only back through 1, so each of its orders is a dead end. Unbounded, the
// search walked all 12! of them (RocksDB's range-lock tree made a lock graph like it, and a search
// that ran for minutes under the detector's lock); `max_steps` bounds the nodes put on a path.
TEST(GraphTest, MaxStepsBoundsTheSearchThroughDeadEnds) {
  graph g;
  constexpr node source = 0, hub = 1, target = 2, exit = 15;
  g.insert_edge(source, hub);
  g.insert_edge(hub, exit);
  g.insert_edge(exit, target);
  for (node a = 3; a < exit; ++a) {
    g.insert_edge(hub, a);
    g.insert_edge(a, hub);
    for (node b = 3; b < exit; ++b)
      if (a != b) g.insert_edge(a, b);
  }
  const auto paths_within = [&](std::size_t steps) {
    std::vector<path> out;
    g.for_each_path(source, target, unbounded, unbounded, steps, [&](std::span<const node> p) {
      out.emplace_back(p.begin(), p.end());
      return true;
    });
    return out;
  };
  EXPECT_TRUE(paths_within(1).empty()) << "the hub only";
  EXPECT_EQ(paths_within(2), (std::vector<path>{{source, hub, exit, target}})) << "the hub, then the exit";
  EXPECT_EQ(paths_within(10'000), (std::vector<path>{{source, hub, exit, target}}));
}

TEST(GraphTest, ShortestBranchFirst) {
  graph g;
  // The long branch is inserted first.
  g.insert_edge(0, 1);
  g.insert_edge(1, 2);
  g.insert_edge(2, 3);
  g.insert_edge(3, 4);
  g.insert_edge(0, 5);
  g.insert_edge(5, 4);
  EXPECT_EQ(all_paths(g, 0, 4), (std::vector<path>{{0, 5, 4}, {0, 1, 2, 3, 4}}));
}

TEST(GraphTest, PathsStaySimple) {
  graph g;
  // A cycle hanging off the route must not be walked round: 0 -> 1 -> 2 -> 1 ... -> 3.
  g.insert_edge(0, 1);
  g.insert_edge(1, 2);
  g.insert_edge(2, 1);
  g.insert_edge(2, 3);
  g.insert_edge(3, 0);
  EXPECT_EQ(all_paths(g, 0, 3), (std::vector<path>{{0, 1, 2, 3}}));
  EXPECT_EQ(all_paths(g, 0, 0), (std::vector<path>{{0, 1, 2, 3, 0}}));
  EXPECT_EQ(all_paths(g, 1, 1), (std::vector<path>{{1, 2, 1}, {1, 2, 3, 0, 1}}));
}

// ---------------------------------------------------------------------------------------------------
// Random operations against a naive model.

class model {
 public:
  bool insert_edge(node from, node to) {
    nodes_.insert(from);
    nodes_.insert(to);
    return edges_.insert({from, to}).second;
  }
  void remove_edge(node from, node to) { edges_.erase({from, to}); }
  void remove_node(node n) {
    if (nodes_.erase(n) == 0) return;
    std::erase_if(edges_, [n](const auto& e) { return e.first == n || e.second == n; });
  }
  bool has_edge(node from, node to) const { return edges_.contains({from, to}); }

  std::multiset<node> successors(node n) const {
    std::multiset<node> out;
    for (auto it = edges_.lower_bound({n, 0}); it != edges_.end() && it->first == n; ++it)
      out.insert(it->second);
    return out;
  }

  bool reachable(node from, node to) const {
    std::set<node> seen{from};
    std::vector<node> todo{from};
    while (!todo.empty()) {
      const node n = todo.back();
      todo.pop_back();
      if (n == to) return true;
      for (node s : successors(n))
        if (seen.insert(s).second) todo.push_back(s);
    }
    return false;
  }

  // Every simple path from -> to (cycles through from when equal), by plain recursion; gives up and
  // returns false past `limit` paths.
  bool paths(node from, node to, std::size_t limit, std::vector<path>& out) const {
    out.clear();
    if (!nodes_.contains(from)) return true;
    path p{from};
    std::set<node> on_path{from};
    return extend(p, on_path, to, limit, out);
  }

  const std::set<node>& nodes() const { return nodes_; }
  const std::set<std::pair<node, node>>& edges() const { return edges_; }

 private:
  bool extend(path& p, std::set<node>& on_path, node to, std::size_t limit, std::vector<path>& out) const {
    for (node s : successors(p.back())) {
      if (s == to) {
        out.push_back(p);
        out.back().push_back(to);
        if (out.size() > limit) return false;
      } else if (on_path.insert(s).second) {
        p.push_back(s);
        const bool ok = extend(p, on_path, to, limit, out);
        p.pop_back();
        on_path.erase(s);
        if (!ok) return false;
      }
    }
    return true;
  }

  std::set<node> nodes_;
  std::set<std::pair<node, node>> edges_;
};

void check_invariants(const graph& g, const model& m, const std::vector<node>& ids) {
  ASSERT_EQ(g.node_count(), m.nodes().size());
  ASSERT_EQ(g.edge_count(), m.edges().size());
  std::size_t listed = 0;
  for (node n : ids) {
    ASSERT_EQ(successor_set(g, n), m.successors(n)) << n;
    listed += g.successors(n).size();
  }
  ASSERT_EQ(listed, g.edge_count());
}

// Whether from -> to has a path of at least one edge (for from == to: whether from is on a cycle).
bool has_some_path(const model& m, node from, node to) {
  for (node s : m.successors(from))
    if (m.reachable(s, to)) return true;
  return false;
}

void check_queries(const graph& g, const model& m, const std::vector<node>& ids, std::mt19937& rng,
                   std::size_t& compared, std::size_t& nonempty) {
  for (node a : ids) {
    for (node b : ids) {
      ASSERT_EQ(g.has_edge(a, b), m.has_edge(a, b)) << a << " -> " << b;
      ASSERT_EQ(g.reachable(a, b), m.reachable(a, b)) << a << " ~> " << b;
    }
  }

  std::uniform_int_distribution<std::size_t> pick(0, ids.size() - 1);
  for (int i = 0; i < 6; ++i) {
    node a = 0, b = 0;
    // Half cycles, half paths; most pairs are drawn again until they have some path, so that the
    // comparisons are not mostly of empty sets.
    for (int tries = 0; tries < (i < 4 ? 20 : 1); ++tries) {
      a = ids[pick(rng)];
      b = i % 2 == 0 ? a : ids[pick(rng)];
      if (has_some_path(m, a, b)) break;
    }
    std::vector<path> expected;
    if (!m.paths(a, b, 20'000, expected)) continue;  // too many to compare
    ++compared;
    if (!expected.empty()) ++nonempty;

    const std::vector<path> got = all_paths(g, a, b);
    ASSERT_EQ(sorted(got), sorted(expected)) << a << " -> " << b;
    if (!got.empty()) {
      std::size_t shortest = unbounded;
      for (const path& p : expected) shortest = std::min(shortest, p.size());
      EXPECT_EQ(got.front().size(), shortest);
    }

    // Length bound: exactly the model's paths that fit.
    const std::size_t max_nodes = std::uniform_int_distribution<std::size_t>(0, 8)(rng);
    std::vector<path> fitting;
    for (const path& p : expected)
      if (p.size() <= max_nodes) fitting.push_back(p);
    ASSERT_EQ(sorted(all_paths(g, a, b, unbounded, max_nodes)), sorted(fitting)) << max_nodes;

    // Count bound: the first max_paths of the full enumeration, distinct.
    const std::size_t max_paths = std::uniform_int_distribution<std::size_t>(0, 5)(rng);
    const std::vector<path> first = all_paths(g, a, b, max_paths);
    ASSERT_EQ(first.size(), std::min(max_paths, got.size()));
    ASSERT_TRUE(std::equal(first.begin(), first.end(), got.begin()));
  }
}

class GraphRandomTest : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(GraphRandomTest, MatchesNaiveModel) {
  constexpr std::size_t num_nodes = 30;
  constexpr int steps = 3000;
  std::mt19937 rng(GetParam());
  // Sparse ids up to ~10^7, as lock ids are.
  std::vector<node> ids;
  for (std::size_t i = 0; i < num_nodes; ++i) ids.push_back(static_cast<node>(333'331 * i + 17));
  std::uniform_int_distribution<std::size_t> pick(0, num_nodes - 1);
  std::uniform_int_distribution<int> percent(0, 99);

  graph g;
  model m;
  std::size_t compared = 0, nonempty = 0;
  for (int step = 0; step < steps; ++step) {
    const int op = percent(rng);
    const node a = ids[pick(rng)], b = ids[pick(rng)];
    if (op < 50) {
      ASSERT_EQ(g.insert_edge(a, b), m.insert_edge(a, b));
    } else if (op < 88 && !m.edges().empty()) {
      // Mostly an edge that exists, so removals keep up with insertions.
      auto it = m.edges().begin();
      std::advance(it, std::uniform_int_distribution<std::size_t>(0, m.edges().size() - 1)(rng));
      const auto [from, to] = *it;
      g.remove_edge(from, to);
      m.remove_edge(from, to);
    } else if (op < 93) {
      g.remove_edge(a, b);
      m.remove_edge(a, b);
    } else if (op < 96) {
      g.remove_node(a);
      m.remove_node(a);
    }
    ASSERT_NO_FATAL_FAILURE(check_invariants(g, m, ids));
    if (step % 50 == 0) {
      ASSERT_NO_FATAL_FAILURE(check_queries(g, m, ids, rng, compared, nonempty));
    }
  }
  // Most path sets must actually have been compared, and many be non-empty, or the test says little.
  EXPECT_GT(compared, 200u);
  EXPECT_GT(nonempty, 100u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, GraphRandomTest, ::testing::Values(1u, 2u, 3u, 42u, 2024u));

}  // namespace
}  // namespace gridlock

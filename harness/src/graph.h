// A directed graph over integer node ids, shared by the lock-order detector (nodes are locks) and
// the wait-for detector (nodes are threads). Modelled on Abseil's graphcycles.h: one self-contained
// structure with a minimal API; edge data lives with the caller, keyed by (from, to). Ids may be sparse
// and large (nodes live in hash maps); edge operations are O(1) on average, remove_node O(degree).
//
// Not thread-safe: callers serialize every call, const ones included (queries share scratch buffers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace gridlock {

class graph {
 public:
  using node = std::uint32_t;

  graph();
  ~graph();
  graph(const graph&) = delete;
  graph& operator=(const graph&) = delete;

  /// Adds the edge from -> to (nodes are created on first use). Returns false if it already existed.
  /// Self-loops are allowed and stored. A node stays, edgeless or not, until remove_node.
  bool insert_edge(node from, node to);
  bool has_edge(node from, node to) const;
  /// Removes one edge; no-op if absent.
  void remove_edge(node from, node to);
  /// Removes a node and every edge into or out of it. An id may be reused after removal.
  void remove_node(node n);

  /// Whether `to` can be reached from `from` by following edges (a node reaches itself, even one the
  /// graph does not hold).
  bool reachable(node from, node to) const;

  /// Calls visit(path) for each simple path from `from` to `to`, path[0] == from and
  /// path.back() == to, in depth-first order, shortest branches first where cheap. Stops after
  /// `max_paths` paths, at paths longer than `max_nodes` nodes, when visit returns false, or once it has
  /// put `max_steps` nodes on a path: a dense graph (locks of a tree rebalanced while it is walked) has
  /// exponentially many partial paths that end nowhere, and the caller may hold a lock meanwhile.
  /// With from == to, reports the cycles through `from` (the path starts and ends with it).
  ///
  /// Branches are tried in increasing distance to `to` (ties in successors() order), so the first path
  /// reported is a shortest one. Only paths of at most `max_nodes` entries are reported or explored,
  /// counting both ends (a self-loop is {from, from}); max_nodes < 2 reports nothing. The span is valid
  /// during the call only; visit must not modify the graph or call reachable() or for_each_path().
  void for_each_path(node from, node to, std::size_t max_paths, std::size_t max_nodes, std::size_t max_steps,
                     const std::function<bool(std::span<const node>)>& visit) const;

  /// Successors of a node (empty span for an unknown node). Valid until the next mutation. In insertion
  /// order, except that removing an edge moves the node's last successor into the freed slot.
  std::span<const node> successors(node n) const;

  std::size_t node_count() const noexcept;
  std::size_t edge_count() const noexcept;

 private:
  struct impl;
  impl* impl_;
};

}  // namespace gridlock

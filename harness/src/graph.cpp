// The directed graph behind both detectors (graph.h): hash-mapped nodes with successor and predecessor
// lists, so ids may be sparse, every edge operation is O(1) on average and removing a node is O(degree).
// Queries are iterative (chains can be very long) and reuse scratch buffers owned by the graph.
#include "graph.h"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gridlock {

namespace {

std::uint64_t edge_key(graph::node from, graph::node to) { return std::uint64_t{from} << 32 | to; }

}  // namespace

struct graph::impl {
  struct node_rec {
    explicit node_rec(node n) : id(n) {}

    node id;
    std::vector<node> out;  // successors
    std::vector<node> in;   // predecessors
    // Query scratch, valid only while equal to the current epoch, so no query has to clear marks.
    std::uint64_t seen = 0;     // reached by the current search
    std::uint64_t on_path = 0;  // on the path for_each_path is extending
    std::uint32_t dist = 0;     // for_each_path: edges from here to its target
  };

  // Where an edge sits in its endpoints' lists, so removal can swap-and-pop instead of searching.
  struct edge_pos {
    std::uint32_t out;  // index in from's `out`
    std::uint32_t in;   // index in to's `in`
  };

  struct candidate {
    std::uint32_t dist;
    std::uint32_t order;  // position in the successor list, to keep ties stable
    node_rec* rec;
  };

  struct frame {
    node_rec* rec;
    std::size_t begin;  // this frame's candidates are cands[begin, cands.size()) while it is on top
    std::size_t next;
  };

  // Node records never move once created (unordered_map is node-based), so queries may hold pointers.
  std::unordered_map<node, node_rec> nodes;
  std::unordered_map<std::uint64_t, edge_pos> edges;

  std::uint64_t epoch = 0;
  std::vector<node_rec*> work;  // DFS stack of reachable(), BFS queue of for_each_path()
  std::vector<node> path;
  std::vector<candidate> cands;
  std::vector<frame> frames;

  node_rec* find(node n) {
    auto it = nodes.find(n);
    return it == nodes.end() ? nullptr : &it->second;
  }

  node_rec& get(node n) { return nodes.find(n)->second; }

  // Removes r.out[idx] (an edge from r.id) by moving the last successor into its slot.
  void unlink_out(node_rec& r, std::uint32_t idx) {
    const node last = r.out.back();
    r.out[idx] = last;
    r.out.pop_back();
    if (idx < r.out.size()) edges.find(edge_key(r.id, last))->second.out = idx;
  }

  // Removes r.in[idx] (an edge into r.id) by moving the last predecessor into its slot.
  void unlink_in(node_rec& r, std::uint32_t idx) {
    const node last = r.in.back();
    r.in[idx] = last;
    r.in.pop_back();
    if (idx < r.in.size()) edges.find(edge_key(last, r.id))->second.in = idx;
  }
};

graph::graph() : impl_(new impl) {}

graph::~graph() { delete impl_; }

bool graph::insert_edge(node from, node to) {
  const std::uint64_t key = edge_key(from, to);
  if (impl_->edges.contains(key)) return false;
  impl::node_rec& f = impl_->nodes.try_emplace(from, from).first->second;
  impl::node_rec& t = impl_->nodes.try_emplace(to, to).first->second;
  const impl::edge_pos pos{static_cast<std::uint32_t>(f.out.size()), static_cast<std::uint32_t>(t.in.size())};
  try {
    f.out.push_back(to);
    t.in.push_back(from);
    impl_->edges.emplace(key, pos);
  } catch (...) {
    // Undo whichever appends happened so the lists and the edge map stay in step.
    if (f.out.size() > pos.out) f.out.pop_back();
    if (t.in.size() > pos.in) t.in.pop_back();
    throw;
  }
  return true;
}

bool graph::has_edge(node from, node to) const { return impl_->edges.contains(edge_key(from, to)); }

void graph::remove_edge(node from, node to) {
  auto it = impl_->edges.find(edge_key(from, to));
  if (it == impl_->edges.end()) return;
  const impl::edge_pos pos = it->second;
  // Erase first: the unlinks re-index the edges they move, never this one.
  impl_->edges.erase(it);
  impl_->unlink_out(impl_->get(from), pos.out);
  impl_->unlink_in(impl_->get(to), pos.in);
}

void graph::remove_node(node n) {
  auto it = impl_->nodes.find(n);
  if (it == impl_->nodes.end()) return;
  impl::node_rec& r = it->second;
  // Only the neighbours' lists need fixing; n's own record goes away whole.
  for (node s : r.out) {
    auto e = impl_->edges.find(edge_key(n, s));
    const std::uint32_t in_idx = e->second.in;
    impl_->edges.erase(e);
    if (s != n) impl_->unlink_in(impl_->get(s), in_idx);
  }
  for (node p : r.in) {
    if (p == n) continue;  // the self-loop went with the successors
    auto e = impl_->edges.find(edge_key(p, n));
    const std::uint32_t out_idx = e->second.out;
    impl_->edges.erase(e);
    impl_->unlink_out(impl_->get(p), out_idx);
  }
  impl_->nodes.erase(it);
}

bool graph::reachable(node from, node to) const {
  if (from == to) return true;
  impl::node_rec* start = impl_->find(from);
  impl::node_rec* target = impl_->find(to);
  if (start == nullptr || target == nullptr || start->out.empty() || target->in.empty()) return false;

  const std::uint64_t epoch = ++impl_->epoch;
  auto& stack = impl_->work;
  stack.clear();
  start->seen = epoch;
  stack.push_back(start);
  while (!stack.empty()) {
    impl::node_rec* r = stack.back();
    stack.pop_back();
    for (node s : r->out) {
      if (s == to) return true;
      impl::node_rec& next = impl_->get(s);
      if (next.seen == epoch) continue;
      next.seen = epoch;
      stack.push_back(&next);
    }
  }
  return false;
}

void graph::for_each_path(node from, node to, std::size_t max_paths, std::size_t max_nodes, std::size_t max_steps,
                          const std::function<bool(std::span<const node>)>& visit) const {
  // Every path, a cycle included, has at least two entries.
  if (max_paths == 0 || max_nodes < 2 || max_steps == 0) return;
  impl& g = *impl_;
  impl::node_rec* start = g.find(from);
  impl::node_rec* target = g.find(to);
  if (start == nullptr || target == nullptr) return;
  const std::uint64_t epoch = ++g.epoch;

  // Backward BFS from `to`: only nodes marked here can still finish a path, and their distance both
  // bounds the path length early and orders the branches. `from` is not expanded (unless it is the
  // target) because a path cannot pass through its own start, which also tightens the distances.
  auto& queue = g.work;
  queue.clear();
  target->seen = epoch;
  target->dist = 0;
  queue.push_back(target);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    impl::node_rec* r = queue[head];
    // A predecessor of r would need at least r->dist + 2 nodes on any path.
    if (std::size_t{r->dist} + 2 > max_nodes || (r == start && from != to)) continue;
    for (node p : r->in) {
      impl::node_rec& prev = g.get(p);
      if (prev.seen == epoch) continue;
      prev.seen = epoch;
      prev.dist = r->dist + 1;
      queue.push_back(&prev);
    }
  }
  if (start->seen != epoch) return;

  g.path.clear();
  g.cands.clear();
  g.frames.clear();
  // Puts r on the path and queues its usable successors, nearest to `to` first.
  auto open = [&](impl::node_rec& r) {
    r.on_path = epoch;
    g.path.push_back(r.id);
    const std::size_t begin = g.cands.size();
    std::uint32_t order = 0;
    for (node s : r.out) {
      impl::node_rec& next = g.get(s);
      const bool usable = next.seen == epoch && (next.on_path != epoch || s == to) &&
                          g.path.size() + 1 + next.dist <= max_nodes;
      if (usable) g.cands.push_back({next.dist, order, &next});
      ++order;
    }
    std::sort(g.cands.begin() + begin, g.cands.end(), [](const impl::candidate& a, const impl::candidate& b) {
      return a.dist != b.dist ? a.dist < b.dist : a.order < b.order;
    });
    g.frames.push_back({&r, begin, begin});
  };

  std::size_t reported = 0;
  open(*start);
  while (!g.frames.empty()) {
    impl::frame& f = g.frames.back();
    if (f.next == g.cands.size()) {
      f.rec->on_path = 0;
      g.cands.resize(f.begin);
      g.path.pop_back();
      g.frames.pop_back();
      continue;
    }
    impl::node_rec& next = *g.cands[f.next++].rec;
    if (next.id != to) {
      if (max_steps-- == 0) return;
      open(next);
      continue;
    }
    g.path.push_back(to);
    const bool more = visit(std::span<const node>(g.path));
    g.path.pop_back();
    if (!more || ++reported == max_paths) return;
  }
}

std::span<const graph::node> graph::successors(node n) const {
  const impl::node_rec* r = impl_->find(n);
  return r == nullptr ? std::span<const node>() : std::span<const node>(r->out);
}

std::size_t graph::node_count() const noexcept { return impl_->nodes.size(); }

std::size_t graph::edge_count() const noexcept { return impl_->edges.size(); }

}  // namespace gridlock

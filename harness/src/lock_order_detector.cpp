// The lock-order detector's slow path: the graph, each edge's first stacks and gate set, and the cycle
// search. Everything here runs under one internal lock; findings are reported after it is released.
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "graph.h"
#include "internal_lock.h"
#include "known_keys.h"
#include "lock_order_detector.h"

namespace gridlock::lock_order {
namespace {

// Cycles longer than this, or more than this many per new edge, are not enumerated: real inversions
// are short, and the search must stay cheap on large graphs.
constexpr std::size_t max_cycle_locks = 32;
constexpr std::size_t max_cycles_per_edge = 64;
// The search through one new edge, in nodes put on a path (graph::for_each_path), made under the
// detector's lock: a tree of locks rebalanced while threads walk it (RocksDB's range-lock tree) made
// a graph dense enough that one search ran for minutes and every thread waited on it.
constexpr std::size_t max_search_steps = 4096;
// Cycles one process reports: past this, no more are looked for. The same tree made tens of thousands
// of cycles of every length over two lines, each a finding to encode and stream (a run took 83 s, 1.4
// with this bound; its reports were hundreds of megabytes). Real programs make a few; a table whose every
// row's lock makes one with the table's (Kyoto Cabinet) is one finding with a count of the others,
// which stops here.
constexpr std::size_t max_cycle_findings = 1000;

// Other threads' takes of an edge kept beside its witness. One names a second thread where one thread's
// takes stood for every edge of a cycle (a start-up path of main's made the edge first); two let a
// fingerprint not depend on which of three threads, taking the edge at different lines, came first.
constexpr std::size_t max_other_sightings = 2;

/// One thread's take of an edge, as a report shows it.
struct sighting {
  thread_info thread;
  stack_id held_stack = 0;
  stack_id acquire_stack = 0;
  bool after_failed_try = false;
};

struct edge_data {
  // The witness: the first observation, or the latest one that weakened what suppresses a cycle.
  sighting witness;
  // Takes by other threads in the witness's modes, each thread once: reports choose which take to show
  // (finding_json.cpp), and fingerprints count the edge by the first-sorting place among them all.
  std::vector<sighting> others;
  bool first_from_shared = false;
  bool first_to_shared = false;
  bool from_exclusive_seen = false;  // `from` was held for writing at some observation
  bool to_exclusive_seen = false;    // `to` was wanted for writing at some observation
  bool from_shared_seen = false;     // `from` was held for reading at some observation
  std::vector<std::uint32_t> gates;  // sorted; locks held exclusively at *every* observation
};

struct detector {
  internal_lock mu;
  known_keys keys;
  graph locks;
  std::unordered_map<std::uint64_t, edge_data> edges;   // key: from << 32 | to
  std::unordered_map<std::uint32_t, lock_record*> nodes;
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> node_edges;  // keys touching a node
  std::set<std::vector<std::uint32_t>> reported;        // cycles, rotated to start at the smallest id
  std::size_t cycle_findings = 0;                   // reported cycles
  // The acquiring side's stack of new edges, by (the held lock's acquisition stack, the acquiring
  // lock's): a thread that nests locks of a large set (shards, taken in address order) makes a new edge
  // per pair along one code path, and a stack capture per edge would dominate its cost.
  std::map<std::pair<stack_id, stack_id>, stack_id> acquire_stacks;
};

detector& the_detector() {
  static auto* d = new detector;  // never destroyed: locks may be taken during static destruction
  return *d;
}

std::uint64_t edge_key(std::uint32_t from, std::uint32_t to) { return (std::uint64_t{from} << 32) | to; }

std::vector<std::uint32_t> exclusive_gates(const thread_record& self, const lock_record* except) {
  std::vector<std::uint32_t> gates;
  const std::uint32_t n = self.held_count.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) {
    const lock_record* l = self.held[i].lock.load(std::memory_order_relaxed);
    if (l != except && self.held[i].mode.load(std::memory_order_relaxed) == access::exclusive)
      gates.push_back(l->id);
  }
  std::sort(gates.begin(), gates.end());
  return gates;
}

/// Whether two sorted gate sets share a lock.
bool share_a_gate(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i == *j) return true;
    *i < *j ? ++i : ++j;
  }
  return false;
}

// Whether this cycle could really hang: every lock on it can block its waiter, and no two of its edges
// share a gate. A deadlock on the cycle has a thread waiting at every edge at once; two edges that were
// each only ever taken holding the same lock exclusively (a gate) could never have their threads waiting
// at the same time (Goodlock's rule: one gate shared by a pair is enough, not one shared by every edge).
// An edge's own first lock, when never read-held there, is one of its gates: G -> M, and M -> X taken
// under G, are never waited at together.
bool can_deadlock(const detector& d, const std::vector<std::uint32_t>& cycle) {
  std::vector<const edge_data*> edges;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const std::uint32_t from = cycle[i], to = cycle[(i + 1) % cycle.size()];
    const std::uint32_t next = cycle[(i + 2) % cycle.size()];
    const edge_data& in = d.edges.at(edge_key(from, to));
    const edge_data& out = d.edges.at(edge_key(to, next));
    // At lock `to`: one thread wants it (in), another holds it while wanting the next (out).
    if (!in.to_exclusive_seen && !out.from_exclusive_seen) return false;  // read-read only
    edges.push_back(&in);
  }
  std::vector<std::vector<std::uint32_t>> gates;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    std::vector<std::uint32_t> g = edges[i]->gates;
    if (!edges[i]->from_shared_seen) g.insert(std::lower_bound(g.begin(), g.end(), cycle[i]), cycle[i]);
    gates.push_back(std::move(g));
  }
  for (std::size_t i = 0; i < gates.size(); ++i)
    for (std::size_t j = i + 1; j < gates.size(); ++j)
      if (share_a_gate(gates[i], gates[j])) return false;
  return true;
}

std::vector<std::uint32_t> canonical(std::vector<std::uint32_t> cycle) {
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  return cycle;
}

finding make_finding(const detector& d, const std::vector<std::uint32_t>& cycle) {
  finding f;
  f.kind = finding_kind::lock_order_cycle;
  std::string names;
  std::set<std::uint32_t> seen_threads;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const std::uint32_t from = cycle[i], to = cycle[(i + 1) % cycle.size()];
    f.locks.push_back(describe(*d.nodes.at(from)));
    const edge_data& e = d.edges.at(edge_key(from, to));
    edge_info edge;
    edge.from = from;
    edge.to = to;
    edge.from_shared = e.first_from_shared;
    edge.to_shared = e.first_to_shared;
    edge.thread = e.witness.thread.id;
    edge.held_stack = stack_of(e.witness.held_stack);
    edge.acquire_stack = stack_of(e.witness.acquire_stack);
    edge.after_failed_try = e.witness.after_failed_try;
    if (seen_threads.insert(e.witness.thread.id).second) f.threads.push_back(e.witness.thread);
    for (const sighting& o : e.others) {
      edge.also.push_back({o.thread.id, stack_of(o.held_stack), stack_of(o.acquire_stack), o.after_failed_try});
      if (seen_threads.insert(o.thread.id).second) f.threads.push_back(o.thread);
    }
    f.edges.push_back(std::move(edge));
    const lock_info& l = f.locks.back();
    names += (i ? " -> " : "") + (l.name.empty() ? l.type + "#" + std::to_string(l.id) : l.name);
  }
  const lock_info& first = f.locks.front();
  names += " -> " + (first.name.empty() ? first.type + "#" + std::to_string(first.id) : first.name);
  f.message = "potential deadlock: locks are taken in a cycle (" + names + ")";
  return f;
}

// Looks for unreported cycles through from -> to; appends findings to `out`.
void find_cycles(detector& d, std::uint32_t from, std::uint32_t to, std::vector<finding>& out) {
  if (d.cycle_findings == max_cycle_findings) return;
  d.locks.for_each_path(to, from, max_cycles_per_edge, max_cycle_locks, max_search_steps,
                        [&](std::span<const graph::node> path) {
                          std::vector<std::uint32_t> cycle{from};
                          if (from != to) cycle.insert(cycle.end(), path.begin(), path.end() - 1);
                          if (!can_deadlock(d, cycle) || !d.reported.insert(canonical(cycle)).second) return true;
                          out.push_back(make_finding(d, cycle));
                          return ++d.cycle_findings < max_cycle_findings;
                        });
}

/// Where `self` takes `lock` in `mode` from `caller` while holding `held`: a stack captured once per (held
/// lock's acquisition stack, the acquisition's own). The latter tells the lines apart (acquisition_stack:
/// a call through one out-of-line lock function serves many); the capture adds the way this thread
/// came there holding the other.
stack_id acquire_stack(detector& d, thread_record& self, const held_lock& held, lock_record& lock, access mode,
                       std::uintptr_t caller) {
  const std::pair<stack_id, stack_id> where{held.acquired_at, self.acquisition_stack(lock, mode, caller)};
  d.mu.lock();
  const auto it = d.acquire_stacks.find(where);
  const stack_id known_stack = it != d.acquire_stacks.end() ? it->second : 0;
  d.mu.unlock();
  if (known_stack != 0) return known_stack;
  // Captured outside the detector's lock (other threads would spin on it meanwhile).
  const stack_id here = capture_stack(3);
  if (here != 0 && held.acquired_at != 0) {
    d.mu.lock();
    d.acquire_stacks.emplace(where, here);
    d.mu.unlock();
  }
  return here;
}

}  // namespace

bool known(std::uint64_t key) noexcept { return the_detector().keys.contains(key); }

[[gnu::noinline]] void add_edge(thread_record& self, const held_lock& held, lock_record& lock, access mode,
                                std::uint64_t key, std::uintptr_t caller) {
  detector& d = the_detector();
  lock_record* from = held.lock.load(std::memory_order_relaxed);
  const bool from_shared = held.mode.load(std::memory_order_relaxed) == access::shared;
  std::vector<std::uint32_t> gates = exclusive_gates(self, from);
  const stack_id here = acquire_stack(d, self, held, lock, mode, caller);
  const bool fallback = self.failed_try == lock.id && self.failed_try_gates == self.gate_signature;

  const bool to_shared = mode == access::shared;
  std::vector<finding> found;
  d.mu.lock();
  // The context stays this thread's own (thread_key) until the edge has as many other takes as it
  // keeps: only then does it become every thread's (the plain key).
  if (!d.keys.contains(key) && d.keys.insert(thread_key(key, self))) {
    auto [it, inserted] = d.edges.try_emplace(edge_key(from->id, lock.id));
    edge_data& e = it->second;
    bool changed = inserted;
    if (inserted) {
      e.witness = {describe(self), held.acquired_at, here, fallback};
      e.first_from_shared = from_shared;
      e.first_to_shared = to_shared;
      e.gates = std::move(gates);
      d.nodes[from->id] = from;
      d.nodes[lock.id] = &lock;
      from->in_graph.store(true, std::memory_order_relaxed);
      lock.in_graph.store(true, std::memory_order_relaxed);
      d.locks.insert_edge(from->id, lock.id);
      d.node_edges[from->id].push_back(edge_key(from->id, lock.id));
      d.node_edges[lock.id].push_back(edge_key(from->id, lock.id));
    } else {
      // Another observation of a known edge: it only weakens the guarantees that suppress a cycle.
      std::vector<std::uint32_t> both;
      std::set_intersection(e.gates.begin(), e.gates.end(), gates.begin(), gates.end(),
                            std::back_inserter(both));
      changed = both.size() != e.gates.size();
      e.gates.swap(both);
    }
    if (!from_shared && !e.from_exclusive_seen) e.from_exclusive_seen = changed = true;
    if (from_shared && !e.from_shared_seen) e.from_shared_seen = changed = true;
    if (mode == access::exclusive && !e.to_exclusive_seen) e.to_exclusive_seen = changed = true;
    const auto by_self = [&](const sighting& o) { return o.thread.id == self.id; };
    if (changed && !inserted) {
      // This observation is what may now make a cycle reportable (no gate, or a write side): it, not
      // the first one, is the edge's witness in reports, and the others took what it replaces.
      e.witness = {describe(self), held.acquired_at, here, fallback};
      e.first_from_shared = from_shared;
      e.first_to_shared = to_shared;
      e.others.clear();
    } else if (!inserted && e.others.size() < max_other_sightings && from_shared == e.first_from_shared &&
               to_shared == e.first_to_shared && self.id != e.witness.thread.id &&
               std::none_of(e.others.begin(), e.others.end(), by_self)) {
      e.others.push_back({describe(self), held.acquired_at, here, fallback});
      if (e.others.size() == max_other_sightings) d.keys.insert(key);
    }
    if (changed) find_cycles(d, from->id, lock.id, found);
  }
  d.mu.unlock();
  for (finding& f : found) report(std::move(f));
}

void forget(lock_record& lock) {
  if (!lock.in_graph.load(std::memory_order_relaxed)) return;
  detector& d = the_detector();
  d.mu.lock();
  // The other end's list keeps the stale key until that lock goes too; erasing it twice is harmless.
  if (auto it = d.node_edges.find(lock.id); it != d.node_edges.end()) {
    for (std::uint64_t key : it->second) d.edges.erase(key);
    d.node_edges.erase(it);
  }
  d.locks.remove_node(lock.id);
  d.nodes.erase(lock.id);
  d.mu.unlock();
}

void reset_reported() {
  detector& d = the_detector();
  d.mu.lock();
  d.reported.clear();
  d.cycle_findings = 0;
  d.mu.unlock();
}

}  // namespace gridlock::lock_order

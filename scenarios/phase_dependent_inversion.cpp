// A phase-dependent inversion: a journal writer appends under its index lock, then its segment lock.
// When the writer's batch is done it switches the journal to the compaction phase and flushes (one more
// append, same order, with a stats update under the index lock). The compactor, which waits for that phase, takes the
// segment lock first and then the index: inverted, but only in the compaction phase, which starts just
// as the writer's last flush does. Every run shows the inversion to the lock-order graph (the verdict);
// an actual deadlock needs the compactor to wake and take the segment while the flush holds the index
// and has not yet taken the segment, which plain runs almost never do (the flush is over long before a
// woken thread runs). No seeded setup: only the interleaving decides (docs/injectors.md).
#include <mutex>
#include <vector>

#include "gridlock/condition_variable.h"
#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct journal {
  gridlock::mutex index_mu{"journal.index"};
  gridlock::mutex segment_mu{"journal.segment"};
  gridlock::mutex stats_mu{"journal.stats"};
  gridlock::mutex phase_mu{"journal.phase"};
  gridlock::condition_variable phase_changed{"journal.phase-changed"};
  bool compacting = false;    // guarded by phase_mu
  std::vector<int> index;     // guarded by index_mu
  std::vector<int> segment;   // guarded by segment_mu
  int flushes = 0;            // guarded by stats_mu
};

/// Index, stats, then segment: the writer's order in every phase (so the last flush takes no lock in
/// an order the lock-order graph has not seen, and runs at full speed).
void append(journal& j, int v, bool last) {
  std::lock_guard<gridlock::mutex> i(j.index_mu);
  {
    std::lock_guard<gridlock::mutex> st(j.stats_mu);
    if (last) ++j.flushes;
  }
  std::lock_guard<gridlock::mutex> s(j.segment_mu);
  j.index.push_back(static_cast<int>(j.segment.size()));
  j.segment.push_back(v);
}

/// Compaction phase only: segment, then index (the inversion).
void compact(journal& j) {
  std::lock_guard<gridlock::mutex> s(j.segment_mu);
  std::lock_guard<gridlock::mutex> i(j.index_mu);
  j.segment.erase(j.segment.begin(), j.segment.begin() + static_cast<long>(j.segment.size() / 2));
  j.index.resize(j.segment.size());
}

void body(scenarios::context&) {
  journal j;
  gridlock::thread compactor = gridlock::thread::named("compactor", [&] {
    {
      std::unique_lock<gridlock::mutex> lk(j.phase_mu);
      j.phase_changed.wait(lk, [&] { return j.compacting; });
    }
    compact(j);
  });
  gridlock::thread writer = gridlock::thread::named("writer", [&] {
    for (int v = 0; v < 4; ++v) append(j, v, false);
    {
      std::lock_guard<gridlock::mutex> lk(j.phase_mu);
      j.compacting = true;
    }
    j.phase_changed.notify_all();
    append(j, -1, true);  // the flush
  });
  writer.join();
  compactor.join();
}

}  // namespace

GRIDLOCK_SCENARIO("phase-dependent-inversion",
                  "a compactor inverts the writer's lock order, but only in a phase that starts as the "
                  "writer's last flush does (lock-order cycle, rarely a deadlock)",
                  finding, body);

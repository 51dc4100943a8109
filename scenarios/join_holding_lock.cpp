// Shutdown joins the flusher thread while still holding the results lock, and the flusher needs that
// lock to write out its last batch: the joiner waits for the flusher, which waits for the joiner's lock.
#include <mutex>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"
#include "support.h"

namespace {

struct results {
  gridlock::mutex mu{"results"};
  std::vector<int> pending;  // guarded by mu
  std::vector<int> flushed;  // guarded by mu
};

void flush(results& r) {
  std::lock_guard<gridlock::mutex> g(r.mu);
  r.flushed.insert(r.flushed.end(), r.pending.begin(), r.pending.end());
  r.pending.clear();
}

void body(scenarios::context& ctx) {
  results r;
  const int batch = 1 + static_cast<int>(ctx.pick(8));
  std::unique_lock<gridlock::mutex> g(r.mu);
  for (int i = 0; i < batch; ++i) r.pending.push_back(i);
  gridlock::thread flusher = scenarios::start_running("flusher", [&] { flush(r); });
  flusher.join();  // still holding r.mu, which flush() needs
  g.unlock();
}

}  // namespace

GRIDLOCK_SCENARIO("join-holding-lock",
                  "joins a thread while holding the lock that thread needs to finish (deadlock)", finding,
                  body);

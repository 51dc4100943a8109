// Fan-out/fan-in with a wait group: the coordinator adds one per shard, each shard worker sums its slice
// and calls done() exactly once (on every path), and the coordinator waits, then combines the results.
#include <cstdint>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "gridlock/wait_group.h"
#include "scenario.h"

namespace {

void body(scenarios::context& ctx) {
  const std::size_t shards = 2 + ctx.pick(6);
  const std::size_t per_shard = 100 + ctx.pick(1000);
  std::vector<long> data(shards * per_shard);
  std::iota(data.begin(), data.end(), 1);
  gridlock::wait_group shards_left("shards-left");
  gridlock::mutex total_mu("grand-total");
  long total = 0;  // guarded by total_mu

  shards_left.add(static_cast<std::int64_t>(shards));
  std::vector<gridlock::thread> workers;
  for (std::size_t s = 0; s < shards; ++s) {
    workers.push_back(gridlock::thread::named("shard-" + std::to_string(s), [&, s] {
      const long part = std::accumulate(data.begin() + s * per_shard, data.begin() + (s + 1) * per_shard, 0L);
      {
        std::lock_guard<gridlock::mutex> g(total_mu);
        total += part;
      }
      shards_left.done();
    }));
  }
  shards_left.wait();
  {
    std::lock_guard<gridlock::mutex> g(total_mu);
    (void)total;
  }
  for (gridlock::thread& w : workers) w.join();
}

}  // namespace

GRIDLOCK_SCENARIO("wait-group-fan-out",
                  "fan-out to shard workers and fan-in with a wait group that each worker counts down once",
                  clean, body);

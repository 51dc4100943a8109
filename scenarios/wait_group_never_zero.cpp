// A wait group that never reaches zero: the dispatcher adds one per job, but workers skip done() for the
// jobs they reject (an early `continue`), so the dispatcher's wait() outlives every worker.
#include <string>
#include <vector>

#include "gridlock/channel.h"
#include "gridlock/thread.h"
#include "gridlock/wait_group.h"
#include "scenario.h"

namespace {

void body(scenarios::context& ctx) {
  const std::size_t workers = 1 + ctx.pick(3);
  const int jobs = 3 + static_cast<int>(ctx.pick(6));
  const int rejected = ctx.pick(3) == 0 ? -1 : static_cast<int>(ctx.pick(jobs));  // -1: all valid
  gridlock::channel<int> queue(static_cast<std::size_t>(jobs), "jobs");
  gridlock::wait_group in_flight("jobs-in-flight");

  std::vector<gridlock::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.push_back(gridlock::thread::named("worker-" + std::to_string(w), [&] {
      while (auto job = queue.receive()) {
        if (*job == rejected) continue;  // rejected: forgets in_flight.done()
        in_flight.done();
      }
    }));
  }
  for (int j = 0; j < jobs; ++j) {
    in_flight.add(1);
    queue.send(j);
  }
  queue.close();
  in_flight.wait();  // never returns if a job was rejected
  for (gridlock::thread& t : threads) t.join();
}

}  // namespace

GRIDLOCK_SCENARIO("wait-group-never-zero",
                  "workers skip done() for rejected jobs, so wait() never returns (all-threads-blocked)",
                  finding, body);

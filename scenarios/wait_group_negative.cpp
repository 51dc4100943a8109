// A wait group counted down twice for one piece of work: a worker that fails calls done() in its error
// path and again at the end, so the counter goes below zero (and the waiter may be released before the
// other workers have finished).
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "gridlock/wait_group.h"
#include "scenario.h"

namespace {

void body(scenarios::context& ctx) {
  const std::size_t workers = 2 + ctx.pick(4);
  const std::size_t failing = ctx.pick(workers + 1);  // == workers: nobody fails this time
  gridlock::wait_group pending("uploads");
  gridlock::mutex log_mu("upload-log");
  std::vector<std::string> log;  // guarded by log_mu

  pending.add(static_cast<std::int64_t>(workers));
  std::vector<gridlock::thread> threads;
  for (std::size_t i = 0; i < workers; ++i) {
    threads.push_back(gridlock::thread::named("uploader-" + std::to_string(i), [&, i] {
      try {
        if (i == failing) throw std::runtime_error("upload failed");
        std::lock_guard<gridlock::mutex> g(log_mu);
        log.push_back("uploaded part " + std::to_string(i));
      } catch (const std::runtime_error& e) {
        std::lock_guard<gridlock::mutex> g(log_mu);
        log.push_back(e.what());
        pending.done();  // error path counts itself down...
      }
      pending.done();  // ...and so does the normal end
    }));
  }
  pending.wait();
  for (gridlock::thread& t : threads) t.join();
}

}  // namespace

GRIDLOCK_SCENARIO("wait-group-negative",
                  "a failing worker calls done() twice, so the wait group's counter goes below zero "
                  "(wait-group-negative)",
                  finding, body);

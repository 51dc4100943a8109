// A lock leaked by an exception: append() locks the journal by hand and unlocks at the end, but a
// validation error throws in between, skipping the unlock. The writer catches the error, gives up on the
// batch and exits, still holding the journal lock; any later writer would wait for it forever.
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct journal {
  gridlock::mutex mu{"journal"};
  std::vector<std::string> lines;  // guarded by mu
};

void append(journal& j, const std::string& entry) {
  j.mu.lock();
  if (entry.empty()) throw std::invalid_argument("empty journal entry");  // leaves j.mu locked
  j.lines.push_back(entry);
  j.mu.unlock();
}

void body(scenarios::context& ctx) {
  // Leaked on purpose: destroying a mutex that is still locked is undefined; the scenario is about the
  // lock that is never released.
  auto* j = new journal;
  std::vector<std::string> batch = {"open", "debit 10", "credit 10", "close"};
  if (ctx.pick(4) != 0) batch[1 + ctx.pick(3)].clear();  // most seeds carry a malformed entry
  int errors = 0;
  gridlock::thread writer = gridlock::thread::named("journal-writer", [&] {
    try {
      for (const std::string& entry : batch) append(*j, entry);
    } catch (const std::invalid_argument&) {
      ++errors;  // gives up on the batch: the thread ends with the journal still locked
    }
  });
  writer.join();
  if (errors == 0) delete j;
}

}  // namespace

GRIDLOCK_SCENARIO("lock-leaked-by-exception",
                  "an exception skips a manual unlock and the thread exits holding the lock "
                  "(lock-held-at-exit)",
                  finding, body);

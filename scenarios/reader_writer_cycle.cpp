// A cycle through a shared_mutex: the reporter reads the configuration (shared) and, holding it, takes
// the statistics mutex; the reconfigurer holds the statistics mutex and takes the configuration for
// writing (exclusive). A writer waits for every reader, so config(read) -> stats and stats ->
// config(write) can hang. In most seeds the retune runs after the reports, so nothing hangs; one seed in
// four runs them at once, which can hang for real.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "gridlock/mutex.h"
#include "gridlock/shared_mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct service {
  gridlock::shared_mutex config_mu{"config"};
  gridlock::mutex stats_mu{"stats"};
  std::map<std::string, int> config{{"limit", 10}};  // guarded by config_mu
  int requests = 0;                                  // guarded by stats_mu
  int reports = 0;                                   // guarded by stats_mu
};

/// Reads the config (shared), then records a report in the stats (mutex).
void report(service& s) {
  std::shared_lock<gridlock::shared_mutex> cfg(s.config_mu);
  const int limit = s.config.at("limit");
  std::lock_guard<gridlock::mutex> st(s.stats_mu);
  s.reports += s.requests > limit ? 1 : 0;
}

/// Holds the stats (mutex) while rewriting the config (exclusive).
void retune(service& s) {
  std::lock_guard<gridlock::mutex> st(s.stats_mu);
  std::unique_lock<gridlock::shared_mutex> cfg(s.config_mu);
  s.config["limit"] = s.requests + 5;
  s.requests = 0;
}

void body(scenarios::context& ctx) {
  service s;
  const int rounds = 1 + static_cast<int>(ctx.pick(3));
  const bool overlap = ctx.pick(4) == 0;
  gridlock::thread reporter = gridlock::thread::named("reporter", [&] {
    for (int i = 0; i < rounds; ++i) report(s);
  });
  if (!overlap) reporter.join();
  gridlock::thread reconfigurer = gridlock::thread::named("reconfigurer", [&] {
    for (int i = 0; i < rounds; ++i) retune(s);
  });
  if (reporter.joinable()) reporter.join();
  reconfigurer.join();
}

}  // namespace

GRIDLOCK_SCENARIO(
    "reader-writer-cycle",
    "read side of a shared_mutex held while taking a mutex, and the reverse with the write side "
    "(lock-order cycle)",
    finding, body);

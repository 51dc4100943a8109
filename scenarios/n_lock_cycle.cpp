// A ring of N services (N chosen by the seed, 4 to 8), each of which notifies the next one while holding
// its own lock: session -> auth -> quota -> ... -> session. Every pair is taken in one order only; only
// the whole ring is a cycle, which the lock-order graph finds however long it is.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

constexpr const char* service_names[] = {"session", "auth",      "quota",   "billing",
                                         "metrics", "scheduler", "storage", "config"};

struct service {
  explicit service(const char* name) : mu(name) {}
  gridlock::mutex mu;
  int events = 0;  // guarded by mu
};

/// `from` handles a request and, still holding its lock, notifies `to`.
void handle_and_notify(service& from, service& to) {
  std::lock_guard<gridlock::mutex> own(from.mu);
  ++from.events;
  std::lock_guard<gridlock::mutex> next(to.mu);
  ++to.events;
}

void body(scenarios::context& ctx) {
  const std::size_t n = 4 + ctx.pick(5);
  std::vector<std::unique_ptr<service>> ring;
  for (std::size_t i = 0; i < n; ++i) ring.push_back(std::make_unique<service>(service_names[i]));

  std::vector<gridlock::thread> handlers;
  for (std::size_t i = 0; i < n; ++i) {
    handlers.push_back(gridlock::thread::named(std::string(service_names[i]) + "-handler", [&ring, i, n] {
      handle_and_notify(*ring[i], *ring[(i + 1) % n]);
    }));
  }
  for (gridlock::thread& t : handlers) t.join();
}

}  // namespace

GRIDLOCK_SCENARIO(
    "n-lock-cycle",
    "a ring of 4-8 services, each notifying the next under its own lock (long lock-order cycle)", finding,
    body);

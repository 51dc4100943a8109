// A read-mostly cache that looks a key up under the shared (read) lock and, on a miss, fills it in by
// calling insert(), which takes the exclusive (write) lock of the same shared_mutex while the read lock
// is still held. A shared lock cannot be upgraded: the writer waits for all readers, itself included.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "gridlock/shared_mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

class route_cache {
 public:
  std::string lookup(int destination) {
    std::shared_lock<gridlock::shared_mutex> read(mu_);
    if (auto it = routes_.find(destination); it != routes_.end()) return it->second;
    std::string route = "via-" + std::to_string(destination % 3);
    insert(destination, route);  // still holding the read lock
    return route;
  }

  void insert(int destination, const std::string& route) {
    std::unique_lock<gridlock::shared_mutex> write(mu_);
    routes_[destination] = route;
  }

 private:
  gridlock::shared_mutex mu_{"routes"};
  std::map<int, std::string> routes_;  // guarded by mu_
};

void body(scenarios::context& ctx) {
  route_cache cache;
  // Warm the cache with some routes; the lookups below eventually miss.
  const int warm = static_cast<int>(ctx.pick(4));
  for (int d = 0; d < warm; ++d) cache.insert(d, "via-" + std::to_string(d % 3));
  gridlock::thread router = gridlock::thread::named("router", [&] {
    for (int d = 0; d < 8; ++d) cache.lookup(d);
  });
  router.join();
}

}  // namespace

GRIDLOCK_SCENARIO("lock-upgrade",
                  "a reader holding a shared_mutex's read side asks for its write side (lock-upgrade)",
                  finding, body);

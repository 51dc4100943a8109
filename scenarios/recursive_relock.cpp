// A class whose public methods each lock the object's mutex, and one of which calls another: restock()
// holds the inventory lock and, when an item runs over its shelf space, calls total_units() to log the
// stock level, which locks the same (non-recursive) mutex again. The thread hangs on itself.
#include <map>
#include <mutex>
#include <string>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

class inventory {
 public:
  /// Adds stock; past the shelf limit, reports the total (through the public, locking method).
  void restock(const std::string& item, int units) {
    std::lock_guard<gridlock::mutex> g(mu_);
    stock_[item] += units;
    if (stock_[item] > shelf_limit) overflow_log_ = total_units();  // re-locks mu_
  }

  int total_units() {
    std::lock_guard<gridlock::mutex> g(mu_);
    int sum = 0;
    for (const auto& [item, units] : stock_) sum += units;
    return sum;
  }

 private:
  static constexpr int shelf_limit = 20;
  gridlock::mutex mu_{"inventory"};
  std::map<std::string, int> stock_;  // guarded by mu_
  int overflow_log_ = 0;              // guarded by mu_
};

void body(scenarios::context& ctx) {
  inventory inv;
  const int deliveries = 4 + static_cast<int>(ctx.pick(4));  // 5 or more overflow
  gridlock::thread clerk = gridlock::thread::named("stock-clerk", [&] {
    for (int i = 0; i < deliveries; ++i) inv.restock(i % 2 ? "bolts" : "nuts", 8);  // the 3rd nuts overflow
  });
  clerk.join();
}

}  // namespace

GRIDLOCK_SCENARIO("recursive-relock",
                  "a method holding a mutex calls a helper that locks it again (recursive-lock)", finding,
                  body);

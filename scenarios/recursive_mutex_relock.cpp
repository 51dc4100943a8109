// The same inventory as recursive-relock, but guarded by a recursive_mutex: the helper's re-lock by the
// owning thread is allowed, and two clerks restocking at once share the lock correctly.
#include <map>
#include <mutex>
#include <string>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

class inventory {
 public:
  void restock(const std::string& item, int units) {
    std::lock_guard<gridlock::recursive_mutex> g(mu_);
    stock_[item] += units;
    if (stock_[item] > shelf_limit) overflow_log_ = total_units();  // re-entry: fine for a recursive_mutex
  }

  int total_units() {
    std::lock_guard<gridlock::recursive_mutex> g(mu_);
    int sum = 0;
    for (const auto& [item, units] : stock_) sum += units;
    return sum;
  }

 private:
  static constexpr int shelf_limit = 20;
  gridlock::recursive_mutex mu_{"inventory"};
  std::map<std::string, int> stock_;  // guarded by mu_
  int overflow_log_ = 0;              // guarded by mu_
};

void body(scenarios::context& ctx) {
  inventory inv;
  const int deliveries = 5 + static_cast<int>(ctx.pick(20));
  gridlock::thread nuts = gridlock::thread::named("clerk-nuts", [&] {
    for (int i = 0; i < deliveries; ++i) inv.restock("nuts", 8);
  });
  gridlock::thread bolts = gridlock::thread::named("clerk-bolts", [&] {
    for (int i = 0; i < deliveries; ++i) inv.restock("bolts", 8);
  });
  nuts.join();
  bolts.join();
  (void)inv.total_units();
}

}  // namespace

GRIDLOCK_SCENARIO("recursive-mutex-relock",
                  "a method re-enters its object's lock through a helper, with a recursive_mutex (allowed)",
                  clean, body);

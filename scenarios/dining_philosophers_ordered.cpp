// Dining philosophers with a fork order: everyone picks up the lower-numbered fork first, so the last
// philosopher reaches across and the cycle around the table is broken. No lock-order cycle, no deadlock.
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"
#include "support.h"

namespace {

struct table {
  explicit table(std::size_t seats) {
    for (std::size_t i = 0; i < seats; ++i)
      forks.push_back(std::make_unique<gridlock::mutex>(("fork[" + std::to_string(i) + "]").c_str()));
    meals.resize(seats);
  }
  std::vector<std::unique_ptr<gridlock::mutex>> forks;
  std::vector<int> meals;  // meals[i] guarded by fork i
};

void dine(table& t, std::size_t seat, int meals, std::chrono::microseconds pause) {
  const std::size_t n = t.forks.size();
  std::size_t first = seat, second = (seat + 1) % n;
  if (second < first) std::swap(first, second);  // lower-numbered fork first
  for (int m = 0; m < meals; ++m) {
    std::lock_guard<gridlock::mutex> a(*t.forks[first]);
    scenarios::spin_for(pause);
    std::lock_guard<gridlock::mutex> b(*t.forks[second]);
    ++t.meals[seat];
  }
}

void body(scenarios::context& ctx) {
  const std::size_t seats = 3 + ctx.pick(4);
  const int meals = 1 + static_cast<int>(ctx.pick(5));
  const auto pause = std::chrono::microseconds(ctx.pick(4) == 0 ? 200 : 0);
  table t(seats);
  std::vector<gridlock::thread> philosophers;
  for (std::size_t i = 0; i < seats; ++i)
    philosophers.push_back(gridlock::thread::named("philosopher-" + std::to_string(i),
                                                   [&t, i, meals, pause] { dine(t, i, meals, pause); }));
  for (gridlock::thread& p : philosophers) p.join();
}

}  // namespace

GRIDLOCK_SCENARIO("dining-philosophers-ordered",
                  "philosophers take the lower-numbered fork first, which breaks the cycle", clean, body);

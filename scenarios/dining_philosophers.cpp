// Dining philosophers: each philosopher picks up the fork on the left, then the one on the right. The
// forks form a lock-order cycle around the table. Some seeds let philosophers pause between the forks,
// which can turn the cycle into a real deadlock where everyone holds one fork.
#include <memory>
#include <mutex>
#include <string>
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
  gridlock::mutex& left = *t.forks[seat];
  gridlock::mutex& right = *t.forks[(seat + 1) % n];
  for (int m = 0; m < meals; ++m) {
    std::lock_guard<gridlock::mutex> l(left);
    scenarios::spin_for(pause);  // reaching for the other fork
    std::lock_guard<gridlock::mutex> r(right);
    ++t.meals[seat];
  }
}

void body(scenarios::context& ctx) {
  const std::size_t seats = 3 + ctx.pick(4);
  const int meals = 1 + static_cast<int>(ctx.pick(3));
  // Most seeds reach for the second fork at once; one in four lingers, which can hang for real.
  const auto pause = std::chrono::microseconds(ctx.pick(4) == 0 ? 500 : 0);
  table t(seats);
  std::vector<gridlock::thread> philosophers;
  for (std::size_t i = 0; i < seats; ++i)
    philosophers.push_back(gridlock::thread::named("philosopher-" + std::to_string(i),
                                                   [&t, i, meals, pause] { dine(t, i, meals, pause); }));
  for (gridlock::thread& p : philosophers) p.join();
}

}  // namespace

GRIDLOCK_SCENARIO("dining-philosophers",
                  "philosophers take the left fork, then the right (lock-order cycle, sometimes a deadlock)",
                  finding, body);

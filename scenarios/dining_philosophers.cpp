// Dining philosophers: each philosopher picks up the fork on the left, then the one on the right. The
// forks form a lock-order cycle around the table. Some seeds let philosophers pause between the forks,
// which can turn the cycle into a real deadlock where everyone holds one fork.
#include <chrono>
#include <mutex>

#include "gridlock/mutex.h"
#include "scenario.h"
#include "support.h"
#include "table.h"

namespace {

void dine(scenarios::table& t, std::size_t seat, int meals, std::chrono::microseconds pause) {
  for (int m = 0; m < meals; ++m) {
    std::lock_guard<gridlock::mutex> l(t.left_of(seat));
    scenarios::spin_for(pause);  // reaching for the other fork
    std::lock_guard<gridlock::mutex> r(t.right_of(seat));
    ++t.meals[seat];
  }
}

void body(scenarios::context& ctx) {
  scenarios::table t(3 + ctx.pick(4));
  const int meals = 1 + static_cast<int>(ctx.pick(3));
  // Most seeds reach for the second fork at once; one in four lingers, which can hang for real.
  const auto pause = std::chrono::microseconds(ctx.pick(4) == 0 ? 500 : 0);
  scenarios::serve(t, [&t, meals, pause](std::size_t seat) { dine(t, seat, meals, pause); });
}

}  // namespace

GRIDLOCK_SCENARIO("dining-philosophers",
                  "philosophers take the left fork, then the right (lock-order cycle, sometimes a deadlock)",
                  finding, body);

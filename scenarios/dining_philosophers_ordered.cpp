// Dining philosophers with a fork order: everyone picks up the lower-numbered fork first, so the last
// philosopher reaches across and the cycle around the table is broken. No lock-order cycle, no deadlock.
#include <chrono>
#include <mutex>

#include "gridlock/mutex.h"
#include "scenario.h"
#include "support.h"
#include "table.h"

namespace {

void dine(scenarios::table& t, std::size_t seat, int meals, std::chrono::microseconds pause) {
  gridlock::mutex& left = t.left_of(seat);
  gridlock::mutex& right = t.right_of(seat);
  // Lower-numbered fork first: the left one, except at the last seat, whose right fork is fork[0].
  const bool left_first = seat + 1 < t.forks.size();
  for (int m = 0; m < meals; ++m) {
    std::lock_guard<gridlock::mutex> a(left_first ? left : right);
    scenarios::spin_for(pause);
    std::lock_guard<gridlock::mutex> b(left_first ? right : left);
    ++t.meals[seat];
  }
}

void body(scenarios::context& ctx) {
  scenarios::table t(3 + ctx.pick(4));
  const int meals = 1 + static_cast<int>(ctx.pick(5));
  const auto pause = std::chrono::microseconds(ctx.pick(4) == 0 ? 200 : 0);
  scenarios::serve(t, [&t, meals, pause](std::size_t seat) { dine(t, seat, meals, pause); });
}

}  // namespace

GRIDLOCK_SCENARIO("dining-philosophers-ordered",
                  "philosophers take the lower-numbered fork first, which breaks the cycle", clean, body);

// A narrow-window ABBA: two threads, started back to back, each take locks A and B once, in opposite
// orders, with nothing in between. Every run shows the inversion to the lock-order graph (the
// lock-order-cycle finding is the verdict). An actual deadlock needs one thread to be between its two
// acquisitions exactly when the other takes its first: a window of a few microseconds that plain runs
// almost never hit. No seeded setup: only the interleaving decides, so this is what the schedule
// strategies are measured on (docs/injectors.md).
#include <mutex>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct accounts {
  gridlock::mutex a{"A"};
  gridlock::mutex b{"B"};
  long left = 100;   // guarded by a
  long right = 100;  // guarded by b
};

/// Moves one unit from left to right: A, then B.
void move_right(accounts& s) {
  std::lock_guard<gridlock::mutex> la(s.a);
  std::lock_guard<gridlock::mutex> lb(s.b);
  --s.left;
  ++s.right;
}

/// Moves one unit back: B, then A (the inversion).
void move_left(accounts& s) {
  std::lock_guard<gridlock::mutex> lb(s.b);
  std::lock_guard<gridlock::mutex> la(s.a);
  --s.right;
  ++s.left;
}

void body(scenarios::context&) {
  accounts s;
  gridlock::thread t1 = gridlock::thread::named("a-then-b", [&] { move_right(s); });
  gridlock::thread t2 = gridlock::thread::named("b-then-a", [&] { move_left(s); });
  t1.join();
  t2.join();
}

}  // namespace

GRIDLOCK_SCENARIO("narrow-window-abba-deadlock",
                  "two threads take A and B once each in opposite orders; an actual deadlock needs a "
                  "microsecond window (lock-order cycle, rarely a deadlock)",
                  finding, body);

// A narrow-window ABBA: a teller hands the reverse transfer to a worker over a channel and at once makes
// its own transfer, taking locks A then B; the worker, woken by the hand-off, takes B then A. Every run
// shows the inversion to the lock-order graph (the lock-order-cycle finding is the verdict). An actual
// deadlock needs the teller to be between its two acquisitions (well under a microsecond) when the
// worker, which takes tens of microseconds to wake, takes B: plain runs almost never do. No seeded
// setup: only the interleaving decides, so the schedule strategies are measured on it
// (docs/injectors.md).
#include <mutex>

#include "gridlock/channel.h"
#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"
#include "support.h"

namespace {

struct accounts {
  gridlock::mutex a{"A"};
  gridlock::mutex b{"B"};
  long left = 100;   // guarded by a
  long right = 100;  // guarded by b
};

/// Moves `n` from left to right: A, then B.
void move_right(accounts& s, long n) {
  std::lock_guard<gridlock::mutex> la(s.a);
  std::lock_guard<gridlock::mutex> lb(s.b);
  s.left -= n;
  s.right += n;
}

/// Moves `n` back: B, then A (the inversion).
void move_left(accounts& s, long n) {
  std::lock_guard<gridlock::mutex> lb(s.b);
  std::lock_guard<gridlock::mutex> la(s.a);
  s.right -= n;
  s.left += n;
}

void body(scenarios::context&) {
  accounts s;
  gridlock::channel<long> handoff(1, "handoff");
  gridlock::thread worker = scenarios::start_running("worker", [&] {
    if (std::optional<long> n = handoff.receive()) move_left(s, *n);
  });
  gridlock::thread teller = gridlock::thread::named("teller", [&] {
    // Each lock once on its own first: the runtime records where this thread first takes each lock
    // (a stack capture), which would otherwise widen the window it is about to open.
    { std::lock_guard<gridlock::mutex> la(s.a); }
    { std::lock_guard<gridlock::mutex> lb(s.b); }
    handoff.send(5);
    move_right(s, 7);
  });
  teller.join();
  worker.join();
}

}  // namespace

GRIDLOCK_SCENARIO("narrow-window-abba-deadlock",
                  "a teller hands a reverse transfer to a worker and at once takes A then B; the worker "
                  "takes B then A (lock-order cycle, rarely a deadlock)",
                  finding, body);

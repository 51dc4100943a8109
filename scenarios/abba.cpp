// ABBA: two threads take the same two locks in opposite orders. In most seeds the second thread starts
// after the first is done, as in a quick test run, so nothing hangs; the lock-order graph sees A -> B and
// B -> A all the same. One seed in four runs them at once, which can hang for real.
#include <mutex>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct shared_state {
  gridlock::mutex a{"A"};
  gridlock::mutex b{"B"};
  int left = 0;   // guarded by a
  int right = 0;  // guarded by b
};

/// Takes A, then B.
void forward(shared_state& s) {
  std::lock_guard<gridlock::mutex> la(s.a);
  std::lock_guard<gridlock::mutex> lb(s.b);
  ++s.left;
  ++s.right;
}

/// Takes B, then A: the inversion.
void backward(shared_state& s) {
  std::lock_guard<gridlock::mutex> lb(s.b);
  std::lock_guard<gridlock::mutex> la(s.a);
  --s.right;
  --s.left;
}

void body(scenarios::context& ctx) {
  shared_state s;
  const int rounds = 1 + static_cast<int>(ctx.pick(3));
  const bool overlap = ctx.pick(4) == 0;
  gridlock::thread t1 = gridlock::thread::named("a-then-b", [&] {
    for (int i = 0; i < rounds; ++i) forward(s);
  });
  if (!overlap) t1.join();
  gridlock::thread t2 = gridlock::thread::named("b-then-a", [&] {
    for (int i = 0; i < rounds; ++i) backward(s);
  });
  if (t1.joinable()) t1.join();
  t2.join();
}

}  // namespace

GRIDLOCK_SCENARIO("abba", "two threads take locks A and B in opposite orders (lock-order inversion)", finding,
                  body);

// Two threads need the same two locks and take them in opposite orders, but only block on the first:
// the second is a try_lock, and on failure the thread releases the first, backs off and retries. A
// try-lock cannot hang, so there is no lock-order edge and no deadlock.
#include <mutex>
#include <thread>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct mailroom {
  gridlock::mutex inbox{"inbox"};
  gridlock::mutex outbox{"outbox"};
  int in = 0;   // guarded by inbox
  int out = 0;  // guarded by outbox
};

/// Blocks on `first`, try-locks `second`; backs off (more each time) until both are held.
template <class Work>
int with_both(gridlock::mutex& first, gridlock::mutex& second, int backoff, Work work) {
  for (int attempt = 1;; ++attempt) {
    std::unique_lock<gridlock::mutex> a(first);
    std::unique_lock<gridlock::mutex> b(second, std::try_to_lock);
    if (b.owns_lock()) {
      work();
      return attempt;
    }
    a.unlock();
    for (int i = 0; i < backoff * attempt; ++i) std::this_thread::yield();
  }
}

void body(scenarios::context& ctx) {
  mailroom m;
  const int rounds = 20 + static_cast<int>(ctx.pick(80));
  const int backoff_in = 1 + static_cast<int>(ctx.pick(4));
  const int backoff_out = 1 + static_cast<int>(ctx.pick(4));
  gridlock::thread sorter = gridlock::thread::named("sorter", [&] {
    for (int i = 0; i < rounds; ++i) with_both(m.inbox, m.outbox, backoff_in, [&] { --m.in, ++m.out; });
  });
  gridlock::thread courier = gridlock::thread::named("courier", [&] {
    for (int i = 0; i < rounds; ++i) with_both(m.outbox, m.inbox, backoff_out, [&] { --m.out, ++m.in; });
  });
  sorter.join();
  courier.join();
}

}  // namespace

GRIDLOCK_SCENARIO("try-lock-backoff",
                  "opposite lock orders where the second lock is a try_lock with back-off (clean)", clean,
                  body);

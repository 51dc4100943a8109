// Buggy: "try the lock, and if it is busy, block on it" while holding another lock (how Boost.Log's core
// feeds a synchronous sink: try_consume() tries the sink's mutex, consume() blocks on it). The two
// threads run one after the other, so the try never fails and a plain run shows no cycle: the order
// user -> sink is taken only by the blocking fallback. Under any strategy the try fails once, as
// contention would make it, and the cycle user -> sink -> user is reported (run at once, the two
// threads really deadlock: one holds user and waits for sink, the other holds sink and waits for user).
// Expected under a strategy: a lock-order-cycle over user and sink, exit code 0.
#include <cstdio>
#include <mutex>
#include <thread>

std::mutex user;        // the program's own lock, held around the library call
std::mutex sink;        // the library's lock for one sink
std::mutex sink_state;  // taken inside the sink

namespace {

void feed_sink() {
  if (!sink.try_lock())  // LINE:try
    sink.lock();         // LINE:fallback
  { std::lock_guard<std::mutex> s(sink_state); }
  sink.unlock();
}

void log_under_user_lock() {
  std::lock_guard<std::mutex> u(user);
  feed_sink();
}

void flush_sink() {
  std::lock_guard<std::mutex> k(sink);
  std::lock_guard<std::mutex> s(sink_state);
  std::lock_guard<std::mutex> u(user);  // LINE:user_in_sink
}

}  // namespace

int main() {
  std::thread a(log_under_user_lock);
  a.join();
  std::thread b(flush_sink);
  b.join();
  std::puts("done");
  return 0;
}

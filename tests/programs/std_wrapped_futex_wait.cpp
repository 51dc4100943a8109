// One wait function serves several of the program's lines, as a library's does (absl's per-thread
// semaphore, GLib's futex wrapper): a thread waits through it once and is woken, then waits through it
// again for a wake that never comes; main joins it. Expected: all-threads-blocked, the thread's wait at
// the line of its last wait, not the first (every wait through the function showed the stack of the
// thread's first). Two ways the lines differ:
//   (no argument) each phase reaches the wait through a layer of the library's own (so the return
//                 address above the wait is the same for both), at another depth of the stack;
//   sibling       two lines of one function call the wait function directly, at the same depth.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

namespace {

std::atomic<int> phase_word{0};
std::atomic<bool> first_done{false};
std::atomic<int> waits{0};

/// The one wait function (not inlined: every wait returns into it, whichever line called it; the count
/// after the call keeps it from being a tail call).
[[gnu::noinline]] void futex_wait(int value) {
  syscall(SYS_futex, &phase_word, FUTEX_WAIT_PRIVATE, value, nullptr, nullptr, 0);
  ++waits;
}

/// A layer above it, as absl's Mutex is above its per-thread semaphore.
[[gnu::noinline]] void wait_while(int value) {
  futex_wait(value);
  ++waits;
}

[[gnu::noinline]] void first_phase() {
  volatile char scratch[512];  // a frame of its own size: the wait is reached at another depth
  scratch[0] = 1;
  while (phase_word.load() == 0) wait_while(0);  // LINE:first_wait
  first_done = scratch[0] == 1;
}

[[gnu::noinline]] void second_phase() {
  for (;;) wait_while(1);  // LINE:second_wait
}

[[gnu::noinline]] void both_phases() {
  while (phase_word.load() == 0) futex_wait(0);  // LINE:sibling_first_wait
  first_done = true;
  for (;;) futex_wait(1);  // LINE:sibling_second_wait
}

}  // namespace

int main(int argc, char** argv) {
  const bool sibling = argc > 1 && std::strcmp(argv[1], "sibling") == 0;
  std::thread t([sibling] {
    if (sibling) {
      both_phases();
    } else {
      first_phase();
      second_phase();
    }
  });
  usleep(20'000);
  phase_word = 1;
  syscall(SYS_futex, &phase_word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  while (!first_done) usleep(1000);
  t.join();  // LINE:join
  std::puts("never");
  return 0;
}

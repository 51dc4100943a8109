// One wait function serves two of the program's lines, as a library's does (absl's per-thread
// semaphore, GLib's futex wrapper): a thread waits through it in its first phase and is woken, then
// waits through it again in its second phase, for a wake that never comes; main joins it. Expected:
// all-threads-blocked, the thread's wait at its second phase's line, not the first's (every wait
// through the function showed the stack of the thread's first).
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace {

std::atomic<int> phase_word{0};
std::atomic<bool> first_done{false};
std::atomic<int> second_waits{0};

/// The one wait function (not inlined: every wait returns into it, whichever line called it).
[[gnu::noinline]] void wait_while(int value) {
  syscall(SYS_futex, &phase_word, FUTEX_WAIT_PRIVATE, value, nullptr, nullptr, 0);
}

[[gnu::noinline]] void first_phase() {
  volatile char scratch[512];  // a frame of its own size: the wait is reached at another depth
  scratch[0] = 1;
  while (phase_word.load() == 0) wait_while(0);  // LINE:first_wait
  first_done = scratch[0] == 1;
}

[[gnu::noinline]] void second_phase() {
  for (;;) {
    wait_while(1);  // LINE:second_wait
    ++second_waits;  // (and no tail call: the line stays on the stack)
  }
}

}  // namespace

int main() {
  std::thread t([] {
    first_phase();
    second_phase();
  });
  usleep(20'000);
  phase_word = 1;
  syscall(SYS_futex, &phase_word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  while (!first_done) usleep(1000);
  t.join();  // LINE:join
  std::puts("never");
  return 0;
}

// A std::latch or std::barrier (the argument: `latch`, `barrier`) that expects one thread more than the
// program ever starts: the two workers count down or arrive and wait for good, and main joins them.
// Each arrival changes the latch's count without a wake, as it should: the latch wakes its waiters
// only at zero. Hangs without Gridlock.
#include <atomic>
#include <barrier>
#include <latch>
#include <string>
#include <thread>

namespace {

std::latch started(3);
std::barrier<> phase(3);
std::atomic<int> passed{0};  // touched after the wait, so the wait is no tail call and the stack keeps its line

}  // namespace

int main(int argc, char** argv) {
  const std::string how = argc > 1 ? argv[1] : "latch";
  auto work = [&] {
    if (how == "latch") started.arrive_and_wait();  // LINE:latch
    else phase.arrive_and_wait();  // LINE:barrier
    ++passed;
  };
  std::thread a(work), b(work);
  a.join();  // LINE:join
  b.join();
}

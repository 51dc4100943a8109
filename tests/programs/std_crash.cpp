// Crashes in a worker thread, for the runner's report of where (harness/src/crash_report.h): `segv`
// writes through a null pointer, `abort` fails a check and aborts, as assert() and std::terminate do,
// `overflow` recurses until the thread's stack runs out.
// Usage: std_crash segv|abort|overflow
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

__attribute__((noinline)) void parse_record(const char* text) {
  // Both volatile: the compiler may neither see that the pointer is null nor drop the store.
  volatile int* volatile slot = nullptr;
  if (std::strlen(text) > 3) *slot = 42;  // LINE:null_store
}

__attribute__((noinline)) void check_invariant(int balance) {
  if (balance != 0) std::abort();  // LINE:abort
}

/// Descends `depth` levels, each with a frame of its own (the sum after the call is no tail call).
__attribute__((noinline)) long descend(long depth) {
  volatile char frame[256];
  frame[0] = static_cast<char>(depth);
  if (depth == 0) return frame[0];
  return descend(depth - 1) + frame[0];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "segv";
  std::thread worker([&mode] {
    if (mode == "abort")
      check_invariant(3);
    else if (mode == "overflow")
      std::exit(static_cast<int>(descend(1L << 40)));  // a thread's stack holds some 10^4 frames
    else
      parse_record("a long record");
  });
  worker.join();
  return 0;
}

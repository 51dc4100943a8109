// Crashes in a worker thread, for the runner's report of where (harness/src/crash_report.h): `segv`
// writes through a null pointer, `abort` fails a check and aborts, as assert() and std::terminate do.
// Usage: std_crash segv|abort
#include <cstdlib>
#include <cstring>
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

}  // namespace

int main(int argc, char** argv) {
  const bool abort_mode = argc > 1 && std::strcmp(argv[1], "abort") == 0;
  std::thread worker([abort_mode] {
    if (abort_mode)
      check_invariant(3);
    else
      parse_record("a long record");
  });
  worker.join();
  return 0;
}

// Lock-order inversion between two heap-allocated std::mutexes (no variable names them), optionally
// after the thread has first used many other heap mutexes at the same lines, so that the runtime's
// budget of stack captures is spent and the inversion's stacks come from earlier acquisitions at
// those lines. The threads never overlap. Expected: lock-order-cycle, exit code 0.
// Usage: std_heap_inversion [warm-up mutexes=0]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

struct account {
  std::mutex mu;
  long balance = 0;
};

void transfer(account& from, account& to, long amount) {
  std::lock_guard<std::mutex> a(from.mu);  // LINE:from
  std::lock_guard<std::mutex> b(to.mu);    // LINE:to
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main(int argc, char** argv) {
  const long warm = argc > 1 ? std::atol(argv[1]) : 0;
  auto savings = std::make_unique<account>();
  auto checking = std::make_unique<account>();
  std::vector<std::unique_ptr<account>> others;
  for (long i = 0; i < warm; ++i) others.push_back(std::make_unique<account>());
  std::thread first([&] {
    for (std::size_t i = 1; i < others.size(); i += 2) transfer(*others[i - 1], *others[i], 1);
    transfer(*savings, *checking, 10);
  });
  first.join();
  std::thread second([&] { transfer(*checking, *savings, 5); });
  second.join();
  std::printf("savings %ld checking %ld\n", savings->balance, checking->balance);
  return 0;
}

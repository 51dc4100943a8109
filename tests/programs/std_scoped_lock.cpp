// Correct: std::scoped_lock on the same two mutexes in opposite orders. std::lock takes the first
// blocking and the rest with try-locks (backing off on failure), so the order cannot deadlock.
// Expected: no finding, exit code 0.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

struct account {
  std::mutex mu;
  long balance = 1000;
};

void transfer(account& from, account& to, long amount) {
  std::scoped_lock both(from.mu, to.mu);
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  account a, b;
  std::thread t1([&] {
    for (int i = 0; i < 20000; ++i) transfer(a, b, 1);
  });
  std::thread t2([&] {
    for (int i = 0; i < 20000; ++i) transfer(b, a, 1);
  });
  t1.join();
  t2.join();
  std::printf("total %ld\n", a.balance + b.balance);
  return a.balance + b.balance == 2000 ? 0 : 1;
}

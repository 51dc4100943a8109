// Correct: threads move money between named accounts, each transfer taking both accounts' locks at once
// with std::scoped_lock, which cannot deadlock whatever the order. Expected: no finding, exit code 0.
#include <gridlock/gridlock.h>

#include <array>
#include <cstdio>
#include <mutex>
#include <vector>

namespace {

struct account {
  gridlock::mutex mu;
  int balance = 100;
};

std::array<account, 3> accounts;

void transfer(account& from, account& to, int amount) {
  std::scoped_lock both(from.mu, to.mu);
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  std::vector<gridlock::thread> workers;
  for (std::size_t i = 0; i < accounts.size(); ++i)
    workers.emplace_back([i] {
      for (int n = 0; n < 100; ++n) transfer(accounts[i], accounts[(i + 1) % accounts.size()], 1);
    });
  for (gridlock::thread& t : workers) t.join();
  int total = 0;
  for (const account& a : accounts) total += a.balance;
  std::printf("total %d\n", total);
  return total == 300 ? 0 : 1;
}

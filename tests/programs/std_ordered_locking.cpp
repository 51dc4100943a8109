// Correct: transfers lock the two accounts' mutexes in address order, whichever direction the money
// goes. Expected: no finding, exit code 0.
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace {

struct account {
  std::mutex mu;
  long balance = 100;
};

void transfer(account& from, account& to, long amount) {
  account& first = std::less<account*>()(&from, &to) ? from : to;
  account& second = &first == &from ? to : from;
  std::lock_guard<std::mutex> g1(first.mu);
  std::lock_guard<std::mutex> g2(second.mu);
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  std::vector<account> accounts(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        const int x = (i + t) % 8, y = (i * 3 + t + 1) % 8;
        if (x != y) transfer(accounts[x], accounts[y], 1);
      }
    });
  }
  for (auto& t : threads) t.join();
  long total = 0;
  for (auto& a : accounts) total += a.balance;
  std::printf("total %ld\n", total);
  return total == 800 ? 0 : 1;
}

// Bank transfers that lock the two accounts in address order, whichever way the money moves: every
// thread takes any pair of accounts in the same order, so there is no cycle.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct account {
  explicit account(std::size_t id) : mu(("accounts[" + std::to_string(id) + "]").c_str()) {}
  gridlock::mutex mu;
  long balance = 1000;  // guarded by mu
};

/// Locks the account at the lower address first.
void transfer(account& from, account& to, long amount) {
  if (&from == &to) return;
  const bool from_first = std::less<const account*>{}(&from, &to);
  std::lock_guard<gridlock::mutex> first(from_first ? from.mu : to.mu);
  std::lock_guard<gridlock::mutex> second(from_first ? to.mu : from.mu);
  from.balance -= amount;
  to.balance += amount;
}

void body(scenarios::context& ctx) {
  const std::size_t n = 2 + ctx.pick(4);
  const std::size_t tellers = 2 + ctx.pick(3);
  const int transfers = 20 + static_cast<int>(ctx.pick(40));
  std::vector<std::unique_ptr<account>> accounts;
  for (std::size_t i = 0; i < n; ++i) accounts.push_back(std::make_unique<account>(i));

  std::vector<gridlock::thread> threads;
  for (std::size_t t = 0; t < tellers; ++t) {
    // Each teller gets its own seeded list of transfers, in both directions.
    std::vector<std::pair<std::size_t, std::size_t>> work;
    for (int k = 0; k < transfers; ++k) work.emplace_back(ctx.pick(n), ctx.pick(n));
    threads.push_back(gridlock::thread::named("teller-" + std::to_string(t), [&accounts, work] {
      for (auto [from, to] : work) transfer(*accounts[from], *accounts[to], 5);
    }));
  }
  for (gridlock::thread& t : threads) t.join();
}

}  // namespace

GRIDLOCK_SCENARIO("bank-transfer-ordered", "transfers lock the two accounts in address order (no cycle)",
                  clean, body);

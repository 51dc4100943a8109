// Bank transfers that take both accounts with std::scoped_lock, whose std::lock algorithm blocks on one
// lock only and try-locks the rest (backing off and retrying on failure), so the argument order no
// longer matters: no lock-order edge, no deadlock.
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

void transfer(account& from, account& to, long amount) {
  if (&from == &to) return;
  std::scoped_lock both(from.mu, to.mu);
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
    std::vector<std::pair<std::size_t, std::size_t>> work;
    for (int k = 0; k < transfers; ++k) work.emplace_back(ctx.pick(n), ctx.pick(n));
    threads.push_back(gridlock::thread::named("teller-" + std::to_string(t), [&accounts, work] {
      for (auto [from, to] : work) transfer(*accounts[from], *accounts[to], 5);
    }));
  }
  for (gridlock::thread& t : threads) t.join();
}

}  // namespace

GRIDLOCK_SCENARIO("bank-transfer-scoped-lock",
                  "transfers take both accounts with std::scoped_lock (deadlock-avoiding, no cycle)", clean,
                  body);

// The bank the bank-transfer scenarios move money in: accounts, each behind its own named mutex, and
// tellers that move it. The scenarios differ only in how a transfer takes the two accounts' locks.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace scenarios {

struct account {
  explicit account(std::size_t id) : mu(("accounts[" + std::to_string(id) + "]").c_str()) {}
  gridlock::mutex mu;
  long balance = 1000;  // guarded by mu
};

using accounts = std::vector<std::unique_ptr<account>>;

/// `n` accounts, named accounts[0] to accounts[n-1].
inline accounts open_accounts(std::size_t n) {
  accounts a;
  for (std::size_t i = 0; i < n; ++i) a.push_back(std::make_unique<account>(i));
  return a;
}

/// Moves `amount` from one account to the other, taking both accounts' locks its own way.
using transfer_fn = void (*)(account& from, account& to, long amount);

/// A busy bank: 2 to 5 accounts and 2 to 4 tellers, each teller a thread (teller-0, teller-1, ...) that
/// makes its own seeded list of 20 to 59 transfers between any two accounts, in both directions, with
/// `transfer`. Returns once every teller is done.
inline void run_tellers(context& ctx, transfer_fn transfer) {
  const std::size_t n = 2 + ctx.pick(4);
  const std::size_t tellers = 2 + ctx.pick(3);
  const int transfers = 20 + static_cast<int>(ctx.pick(40));
  const accounts bank = open_accounts(n);

  std::vector<gridlock::thread> threads;
  for (std::size_t t = 0; t < tellers; ++t) {
    std::vector<std::pair<std::size_t, std::size_t>> work;
    for (int k = 0; k < transfers; ++k) work.emplace_back(ctx.pick(n), ctx.pick(n));
    threads.push_back(gridlock::thread::named("teller-" + std::to_string(t), [&bank, transfer, work] {
      for (auto [from, to] : work) transfer(*bank[from], *bank[to], 5);
    }));
  }
  for (gridlock::thread& t : threads) t.join();
}

}  // namespace scenarios

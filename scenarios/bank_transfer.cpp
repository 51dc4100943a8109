// Bank transfers that lock the two accounts in argument order: transfer(a, b) takes a then b, and a
// later transfer(b, a) takes b then a. In most seeds the refunds run after the payments, so nothing
// hangs; the lock-order graph sees accounts[i] -> accounts[j] and accounts[j] -> accounts[i] all the
// same. One seed in four runs both tellers at once, which can hang for real.
#include <mutex>

#include "bank.h"
#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

using scenarios::account;

/// Locks the source, then the destination: the order depends on the caller's arguments.
void transfer(account& from, account& to, long amount) {
  std::lock_guard<gridlock::mutex> f(from.mu);
  std::lock_guard<gridlock::mutex> t(to.mu);
  from.balance -= amount;
  to.balance += amount;
}

void body(scenarios::context& ctx) {
  const std::size_t n = 2 + ctx.pick(3);
  const int transfers = 1 + static_cast<int>(ctx.pick(4));
  const scenarios::accounts accounts = scenarios::open_accounts(n);

  const bool overlap = ctx.pick(4) == 0;

  // One teller pays along the ring (i -> i+1), the other refunds against it (i+1 -> i).
  gridlock::thread payer = gridlock::thread::named("teller-pay", [&] {
    for (int k = 0; k < transfers; ++k) transfer(*accounts[k % n], *accounts[(k + 1) % n], 10);
  });
  if (!overlap) payer.join();  // refunds after the payments
  gridlock::thread refunder = gridlock::thread::named("teller-refund", [&] {
    for (int k = 0; k < transfers; ++k) transfer(*accounts[(k + 1) % n], *accounts[k % n], 10);
  });
  if (payer.joinable()) payer.join();
  refunder.join();
}

}  // namespace

GRIDLOCK_SCENARIO("bank-transfer",
                  "transfers lock the two accounts in argument order; opposite transfers invert it "
                  "(lock-order cycle)",
                  finding, body);

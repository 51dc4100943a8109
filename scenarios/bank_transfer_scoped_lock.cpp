// Bank transfers that take both accounts with std::scoped_lock, whose std::lock algorithm blocks on one
// lock only and try-locks the rest (backing off and retrying on failure), so the argument order no
// longer matters: no lock-order edge, no deadlock.
#include <mutex>

#include "bank.h"
#include "scenario.h"

namespace {

using scenarios::account;

void transfer(account& from, account& to, long amount) {
  if (&from == &to) return;
  std::scoped_lock both(from.mu, to.mu);
  from.balance -= amount;
  to.balance += amount;
}

void body(scenarios::context& ctx) { scenarios::run_tellers(ctx, transfer); }

}  // namespace

GRIDLOCK_SCENARIO("bank-transfer-scoped-lock",
                  "transfers take both accounts with std::scoped_lock (deadlock-avoiding, no cycle)", clean,
                  body);

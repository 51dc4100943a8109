// Bank transfers that lock the two accounts in address order, whichever way the money moves: every
// thread takes any pair of accounts in the same order, so there is no cycle.
#include <functional>
#include <mutex>

#include "bank.h"
#include "gridlock/mutex.h"
#include "scenario.h"

namespace {

using scenarios::account;

/// Locks the account at the lower address first.
void transfer(account& from, account& to, long amount) {
  if (&from == &to) return;
  const bool from_first = std::less<const account*>{}(&from, &to);
  std::lock_guard<gridlock::mutex> first(from_first ? from.mu : to.mu);
  std::lock_guard<gridlock::mutex> second(from_first ? to.mu : from.mu);
  from.balance -= amount;
  to.balance += amount;
}

void body(scenarios::context& ctx) { scenarios::run_tellers(ctx, transfer); }

}  // namespace

GRIDLOCK_SCENARIO("bank-transfer-ordered", "transfers lock the two accounts in address order (no cycle)",
                  clean, body);

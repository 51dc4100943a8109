// Lock-order inversion that never deadlocks in this run: the two threads never overlap (the second
// starts after the first has finished), yet they take the same two std::mutexes in opposite orders.
// Expected: lock-order-cycle, exit code 0.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex accounts;
std::mutex audit_log;
int balance = 0;
int entries = 0;

void deposit() {
  std::lock_guard<std::mutex> a(accounts);
  std::lock_guard<std::mutex> l(audit_log);  // LINE:accounts_then_log
  ++balance;
  ++entries;
}

void rotate_log() {
  std::lock_guard<std::mutex> l(audit_log);
  std::lock_guard<std::mutex> a(accounts);  // LINE:log_then_accounts
  entries = balance;
}

}  // namespace

int main() {
  std::thread first(deposit);
  first.join();
  std::thread second(rotate_log);
  second.join();
  std::printf("balance %d entries %d\n", balance, entries);
  return 0;
}

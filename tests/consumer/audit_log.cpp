// A lock-order inversion in plain std:: code that never deadlocks in a run: the writer takes the
// accounts lock then the audit log's, the rotation the reverse, and they never overlap. gridlock exec
// reports the lock-order cycle all the same. Usage: audit_log ROUNDS.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace {

std::mutex accounts_mu;
std::mutex audit_mu;
int balance = 0;
int logged = 0;

void record_deposits(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    std::lock_guard<std::mutex> accounts(accounts_mu);
    std::lock_guard<std::mutex> audit(audit_mu);
    ++balance;
    ++logged;
  }
}

void rotate_audit_log() {
  std::lock_guard<std::mutex> audit(audit_mu);
  std::lock_guard<std::mutex> accounts(accounts_mu);  // the inversion
  logged = balance;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: audit_log ROUNDS\n");
    return 2;
  }
  std::thread writer(record_deposits, std::atoi(argv[1]));
  writer.join();
  std::thread rotation(rotate_audit_log);
  rotation.join();
  std::printf("balance %d logged %d\n", balance, logged);
  return 0;
}

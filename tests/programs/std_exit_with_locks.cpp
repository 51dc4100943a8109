// Correct: the program ends while other threads hold locks and wait forever (an idle worker in a
// condition wait, a thread blocked on a mutex another thread holds). The process's exit is not a thread
// exiting with locks held, nor a deadlock: nothing may be reported, and the exit code is the program's.
// Usage: std_exit_with_locks return|exit|abort
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace {

auto& held = *new std::mutex;           // leaked on purpose: never destroyed under a waiter
auto& idle_mu = *new std::mutex;
auto& idle_cv = *new std::condition_variable;
auto& main_mu = *new std::mutex;

}  // namespace

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "return";
  std::thread holder([] {
    std::lock_guard<std::mutex> g(held);
    std::unique_lock<std::mutex> lk(idle_mu);
    idle_cv.wait(lk, [] { return false; });  // waits for work that never comes
  });
  holder.detach();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  std::thread blocked([] { std::lock_guard<std::mutex> g(held); });
  blocked.detach();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  main_mu.lock();
  std::puts(how);
  std::fflush(stdout);
  if (std::strcmp(how, "exit") == 0) std::exit(5);  // with main_mu held
  if (std::strcmp(how, "abort") == 0) std::abort();
  return 7;
}

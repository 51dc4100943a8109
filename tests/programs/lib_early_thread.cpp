// A shared library whose static constructor starts a thread, for std_join_early_thread. A program's
// libraries are initialized before an LD_PRELOAD library that does not need them, so this thread runs
// before the interposer is: its pthread_create is not seen, and it registers on its first lock.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

std::mutex early_mu;
std::atomic<bool> main_holds{false};

namespace {

std::thread* early_worker = nullptr;

struct starter {
  starter() {
    early_worker = new std::thread([] {
      while (!main_holds.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::lock_guard<std::mutex> g(early_mu);  // LINE:early_lock
    });
  }
} start;

}  // namespace

extern "C" void join_early_worker() { early_worker->join(); }

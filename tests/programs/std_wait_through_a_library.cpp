// An actual deadlock whose wait is reached through a library built without frame pointers
// (lib_two_calls_deep.cpp): the worker waits at the library's lock twice, from two lines. The stack of
// its first wait served the second too, so the deadlock named the line that had waited and gone on.
// Expected: deadlock, the worker's wait at the second line; exit code 86. Main closes the cycle, or with
// the argument `worker_closes` the worker does (either way a deadlock forms: the sleeps only choose who
// closes it).
#include <atomic>
#include <chrono>
#include <mutex>
#include <string_view>
#include <thread>

void lib_log(void (*callback)());  // lib_two_calls_deep.cpp

namespace {

using std::chrono::milliseconds;

std::mutex user_mu;
std::atomic<bool> main_inside{false};
std::atomic<bool> worker_holds{false};
bool worker_closes = false;

void wait_for(const std::atomic<bool>& flag) {
  while (!flag) std::this_thread::sleep_for(milliseconds(1));
}

void stay_inside() {
  main_inside = true;
  std::this_thread::sleep_for(milliseconds(50));
}

void take_user_lock() {
  main_inside = true;
  if (!worker_closes) std::this_thread::sleep_for(milliseconds(100));  // the worker blocks first
  std::lock_guard<std::mutex> g(user_mu);
}

}  // namespace

int main(int argc, char** argv) {
  worker_closes = argc > 1 && std::string_view(argv[1]) == "worker_closes";
  std::thread worker([] {
    wait_for(main_inside);
    lib_log(nullptr);  // LINE:first_wait (main is inside: a wait that ends)
    std::lock_guard<std::mutex> g(user_mu);
    main_inside = false;
    worker_holds = true;
    wait_for(main_inside);  // main holds the library's lock, and wants user_mu
    if (worker_closes) std::this_thread::sleep_for(milliseconds(100));
    lib_log(nullptr);  // LINE:second_wait
  });
  lib_log(stay_inside);
  wait_for(worker_holds);
  lib_log(take_user_lock);
  worker.join();
}

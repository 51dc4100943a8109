// An actual deadlock whose wait is reached through a library built without frame pointers
// (lib_two_calls_deep.cpp): the worker waits at the library's lock twice, from two lines. The stack of
// its first wait served the second too, so the deadlock named the line that had waited and gone on.
// Expected: deadlock, the worker's wait at the second line; exit code 86. Main closes the cycle, or with
// the argument `worker_closes` the worker does.
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

void stay_inside() {
  main_inside = true;
  std::this_thread::sleep_for(milliseconds(50));
}

void take_user_lock() {
  if (!worker_closes) std::this_thread::sleep_for(milliseconds(100));  // the worker blocks first
  std::lock_guard<std::mutex> g(user_mu);
}

}  // namespace

int main(int argc, char** argv) {
  worker_closes = argc > 1 && std::string_view(argv[1]) == "worker_closes";
  std::thread worker([] {
    while (!main_inside) std::this_thread::sleep_for(milliseconds(1));
    lib_log(nullptr);  // LINE:first_wait (main is inside: a wait that ends)
    std::lock_guard<std::mutex> g(user_mu);
    worker_holds = true;
    std::this_thread::sleep_for(milliseconds(worker_closes ? 120 : 20));
    lib_log(nullptr);  // LINE:second_wait
  });
  lib_log(stay_inside);
  while (!worker_holds) std::this_thread::sleep_for(milliseconds(1));
  lib_log(take_user_lock);
  worker.join();
}

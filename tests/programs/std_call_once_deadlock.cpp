// std::call_once whose function takes a lock, reached by two threads at once: one runs the function
// and waits for the lock, the other holds the lock and waits for the function to finish. A real
// deadlock (it hangs without Gridlock), which gridlock exec names as it forms.
// The atomics only make the interleaving certain; the interposer does not see them.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex plugins_mu;
std::once_flag plugins_loaded;
std::atomic<bool> loading{false};
std::atomic<bool> lock_taken{false};

void load_plugins() {
  loading = true;
  while (!lock_taken) std::this_thread::yield();
  std::lock_guard<std::mutex> g(plugins_mu);  // LINE:function_locks
}

void ensure_plugins() {
  std::call_once(plugins_loaded, load_plugins);  // LINE:call_once
}

}  // namespace

int main() {
  std::thread first(ensure_plugins);
  while (!loading) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> g(plugins_mu);
    lock_taken = true;
    ensure_plugins();
  }
  first.join();
  std::puts("no deadlock");
}

// A function-local static whose initializer takes a lock, first touched by two threads at once: one
// runs the initializer and waits for the lock, the other holds the lock and waits for the
// initialization. A real deadlock (it hangs without Gridlock), which gridlock exec names as it forms.
// The atomics only make the interleaving certain; the interposer does not see them.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex registry_mu;
std::atomic<bool> initializing{false};
std::atomic<bool> lock_taken{false};

struct registry {
  registry() {
    initializing = true;
    while (!lock_taken) std::this_thread::yield();
    std::lock_guard<std::mutex> g(registry_mu);  // LINE:initializer_locks
  }
};

registry& the_registry() {
  static registry r;  // LINE:first_use
  return r;
}

}  // namespace

int main() {
  std::thread first([] { the_registry(); });
  while (!initializing) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> g(registry_mu);
    lock_taken = true;
    the_registry();
  }
  first.join();
  std::puts("no deadlock");
}

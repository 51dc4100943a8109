// A one-time initialization whose function takes a lock, reached by two threads at once: one runs the
// function and waits for the lock, the other holds the lock and waits for the initialization to end. A
// real deadlock (it hangs without Gridlock), which gridlock exec names as it forms. With an argument the
// initialization is a function-local static's; without, a std::call_once's.
// The atomics only make the interleaving certain; the interposer does not see them.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex registry_mu;
std::atomic<bool> initializing{false};
std::atomic<bool> lock_taken{false};

void load_registry() {
  initializing = true;
  while (!lock_taken) std::this_thread::yield();
  std::lock_guard<std::mutex> g(registry_mu);  // LINE:initializer_locks
}

struct registry {
  registry() { load_registry(); }
};

void the_registry() {
  static registry r;  // LINE:first_use
}

std::once_flag registry_loaded;

void ensure_registry() {
  std::call_once(registry_loaded, load_registry);  // LINE:call_once
}

}  // namespace

int main(int argc, char**) {
  void (*initialize)() = argc > 1 ? the_registry : ensure_registry;
  std::thread first(initialize);
  while (!initializing) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> g(registry_mu);
    lock_taken = true;
    initialize();
  }
  first.join();
  std::puts("not reached");
}

// Hangs where Gridlock cannot see: a worker takes a std::mutex, then waits on a std::future whose
// promise is never kept (libstdc++ waits on a raw futex, not a pthread call); main waits for the mutex.
// Neither wait ends, and no detector can prove it: the run ends at its timeout, and the timeout finding
// must still say what each thread holds and waits for.
#include <future>
#include <mutex>
#include <thread>

namespace {

std::mutex table_mu;

}  // namespace

int main() {
  std::promise<void> never_kept;
  std::future<void> reply = never_kept.get_future();
  std::promise<void> holding;
  std::thread worker([&] {
    std::lock_guard<std::mutex> g(table_mu);  // LINE:worker_lock
    holding.set_value();
    reply.wait();  // LINE:invisible_wait
  });
  holding.get_future().wait();
  { std::lock_guard<std::mutex> g(table_mu); }  // LINE:main_lock
  worker.join();
}

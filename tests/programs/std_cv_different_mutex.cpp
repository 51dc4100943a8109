// One condition variable, two mutexes at once: a reader waits for new data under the data mutex while
// a flusher waits on the same condition variable under the log mutex (undefined behaviour: a notify
// may wake the wrong one). Both are woken and finish. Expected: cv-different-mutex, exit 0.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

std::mutex data_mu;
std::mutex log_mu;
std::condition_variable changed;
bool done = false;
std::atomic<int> waiting{0};

void wait_with(std::mutex& m) {
  std::unique_lock<std::mutex> lk(m);
  ++waiting;
  changed.wait(lk, [] { return done; });  // LINE:wait
}

}  // namespace

int main() {
  std::thread reader(wait_with, std::ref(data_mu));
  while (waiting.load() < 1) std::this_thread::yield();
  { std::lock_guard<std::mutex> g(data_mu); }  // the reader is in its wait: it released data_mu
  std::thread flusher(wait_with, std::ref(log_mu));
  while (waiting.load() < 2) std::this_thread::yield();
  {
    std::scoped_lock both(data_mu, log_mu);
    done = true;
  }
  changed.notify_all();
  reader.join();
  flusher.join();
  return 0;
}

// A store logs under its lock, from main while it opens the store (as LevelDB's main thread logs under
// its DB mutex) and later from a flusher thread; then main rotates the log, taking the two locks the
// other way round. Main's start-up took both edges of the cycle first, but the threads that can
// deadlock are the flusher and main. Expected: lock-order-cycle, its store -> log edge shown by the
// flusher with main's take kept in `also`, and the flusher's start at its line; exit code 0.
#include <pthread.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::mutex store_mu;
std::mutex log_mu;
std::string last_line;

[[gnu::noinline]] void log_line(const char* text) {
  std::lock_guard<std::mutex> l(log_mu);  // LINE:log
  last_line = text;
}

void open_store() {
  std::lock_guard<std::mutex> s(store_mu);
  log_line("opened");
}

void flush() {
  pthread_setname_np(pthread_self(), "flusher");
  std::lock_guard<std::mutex> s(store_mu);
  log_line("flushed");
}

void rotate_log() {
  std::lock_guard<std::mutex> l(log_mu);
  std::lock_guard<std::mutex> s(store_mu);  // LINE:rotate
  last_line.clear();
}

}  // namespace

int main() {
  open_store();
  std::thread flusher(flush);  // LINE:start
  flusher.join();
  rotate_log();
  std::printf("done\n");
  return 0;
}

// Correct (if not async-signal-safe): signal handlers that lock a std::mutex of their own interrupt
// threads that lock, unlock and wait all the time, at arbitrary points (inside the interposer too).
// A second handler (SA_SIGINFO) checks that queued signals keep their siginfo (sender's code and
// value), however late they are delivered. Nothing may hang and nothing may be reported.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

std::mutex handler_mu;
long handled = 0;
std::mutex a;
std::mutex b;
std::condition_variable cv;
std::atomic<bool> stop{false};
long work = 0;

std::atomic<long> queued{0};
std::atomic<long> bad_info{0};

void on_signal(int) {
  std::lock_guard<std::mutex> g(handler_mu);
  ++handled;
}

void on_queued(int, siginfo_t* info, void*) {
  if (info == nullptr || info->si_code != SI_QUEUE || info->si_value.sival_int != 42) ++bad_info;
  ++queued;
}

void busy() {
  while (!stop.load()) {
    std::unique_lock<std::mutex> la(a);
    {
      std::lock_guard<std::mutex> lb(b);
      ++work;
    }
    cv.wait_for(la, std::chrono::microseconds(20));
  }
}

}  // namespace

int main() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
  struct sigaction si {};
  si.sa_sigaction = on_queued;
  si.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGUSR2, &si, nullptr);
  struct sigaction back {};
  sigaction(SIGUSR2, nullptr, &back);  // the program's own handler, as installed
  if (back.sa_sigaction != on_queued || (back.sa_flags & SA_SIGINFO) == 0) return 2;
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(busy);
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  long sent = 0;
  while (std::chrono::steady_clock::now() < end) {
    for (auto& t : threads) pthread_kill(t.native_handle(), SIGUSR1);
    sigqueue(getpid(), SIGUSR2, sigval{42});
    ++sent;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  stop = true;
  cv.notify_all();
  for (auto& t : threads) t.join();
  std::printf("sent %ld queued-handled %ld bad-siginfo %ld\n", sent, queued.load(), bad_info.load());
  return bad_info == 0 ? 0 : 1;
}

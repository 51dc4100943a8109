// A signal handler that locks a std::mutex which a thread also takes outside the handler, with the
// signal unblocked: if the signal came while that thread held the mutex, the handler would run on it
// and wait for itself for ever. In these runs it never does: each signal comes while nobody holds it.
// The argument picks the case; each prints "done" and exits 0.
//   after       a worker logs, then SIGTERM (kill: to the process) runs the handler, which logs.
//               Expected: one signal-handler-lock finding on log_mu.
//   before      the handler runs first, then a worker logs. Expected: the same finding.
//   directed    SIGUSR1 is sent with pthread_kill to a thread that itself logs outside the handler.
//               Expected: the same finding (SIGUSR1).
//   blocked     the workers that log block SIGTERM first, and main logs only from the handler. Correct.
//   try         the handler only tries the lock, and skips its line when it is busy. Correct.
//   elsewhere   SIGUSR1 is sent with pthread_kill to a thread that never logs outside the handler, while
//               other threads log with SIGUSR1 unblocked: it never interrupts them. Correct.
//   longjmp     a SIGALRM handler siglongjmps out of itself; main then locks state_mu, which a worker
//               also takes. Correct: after the jump main is no longer in the handler.
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::mutex log_mu;
std::mutex state_mu;
std::atomic<long> lines{0};
long state = 0;
bool try_only = false;
sigjmp_buf timeout_jump;

void log_line() {
  const std::lock_guard<std::mutex> hold(log_mu);  // LINE:worker_lock
  ++lines;
}

void on_signal(int) {
  if (try_only) {
    if (log_mu.try_lock()) {
      ++lines;
      log_mu.unlock();
    }
    return;
  }
  log_mu.lock();  // LINE:handler_lock
  ++lines;
  log_mu.unlock();
}

void on_alarm(int) { siglongjmp(timeout_jump, 1); }

void install(int sig, void (*handler)(int)) {
  struct sigaction act {};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  sigaction(sig, &act, nullptr);
}

void block(int sig) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

/// A thread that waits for `sig`'s handler to have run on it (sent by pthread_kill), logging first
/// when `logs`.
void signal_target(bool logs, pthread_t* self, std::atomic<bool>* ready, std::atomic<bool>* handled) {
  *self = pthread_self();
  if (logs) log_line();
  ready->store(true);
  while (!handled->load()) usleep(1000);
}

int directed(bool target_logs) {
  install(SIGUSR1, on_signal);
  std::thread other(log_line);  // SIGUSR1 unblocked, never sent to it
  other.join();
  pthread_t target;
  std::atomic<bool> ready{false}, handled{false};
  std::thread t(signal_target, target_logs, &target, &ready, &handled);
  while (!ready.load()) usleep(1000);
  const long before = lines;
  pthread_kill(target, SIGUSR1);
  while (lines == before) usleep(1000);  // the handler logged
  handled.store(true);
  t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "after";
  if (mode == "after" || mode == "try") {
    try_only = mode == "try";
    install(SIGTERM, on_signal);
    std::thread(log_line).join();
    kill(getpid(), SIGTERM);
  } else if (mode == "before") {
    install(SIGTERM, on_signal);
    kill(getpid(), SIGTERM);
    std::thread(log_line).join();
  } else if (mode == "blocked") {
    install(SIGTERM, on_signal);
    std::thread([] {
      block(SIGTERM);
      log_line();
    }).join();
    kill(getpid(), SIGTERM);
  } else if (mode == "directed" || mode == "elsewhere") {
    directed(mode == "directed");
  } else if (mode == "longjmp") {
    install(SIGALRM, on_alarm);
    if (sigsetjmp(timeout_jump, 1) == 0) {
      kill(getpid(), SIGALRM);
      return 1;  // the handler jumped back, never here
    }
    {
      const std::lock_guard<std::mutex> hold(state_mu);
      ++state;
    }
    std::thread([] {
      const std::lock_guard<std::mutex> hold(state_mu);
      ++state;
    }).join();
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  std::printf("done\n");
  return 0;
}

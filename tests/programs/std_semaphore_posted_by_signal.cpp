// Correct: the only thread waits for a signal handler to hand it something, through a POSIX semaphore
// (sem_post is async-signal-safe) and then an atomic the handler stores and notifies. Every thread is
// blocked and yet a timer's signal ends the wait: nothing may be reported. The timer comes later than
// the wait-for detector's confirmation pauses (50 ms), so that it cannot end the wait in time by luck.
#include <semaphore.h>
#include <signal.h>
#include <sys/time.h>

#include <atomic>
#include <cstdio>

namespace {

sem_t ticked;
std::atomic<int> ticks{0};

void arm_timer() {
  const itimerval once{{0, 0}, {0, 100'000}};
  setitimer(ITIMER_REAL, &once, nullptr);
}

void on_alarm(int) {
  sem_post(&ticked);
  ticks.fetch_add(1);
  ticks.notify_all();
}

}  // namespace

int main() {
  sem_init(&ticked, 0, 0);
  struct sigaction act {};
  act.sa_handler = on_alarm;
  act.sa_flags = SA_RESTART;
  sigemptyset(&act.sa_mask);
  sigaction(SIGALRM, &act, nullptr);
  arm_timer();
  while (sem_wait(&ticked) != 0) {
  }
  arm_timer();
  for (int seen; (seen = ticks.load()) < 2;) ticks.wait(seen);
  std::printf("ticks %d\n", ticks.load());
}

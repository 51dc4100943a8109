// C11 <threads.h> (mtx_*, cnd_*, thrd_*, call_once), which glibc builds on its pthread functions but
// calls them from inside libc, where an LD_PRELOAD library's pthread hooks never see them.
//   (no argument)  correct: recursive and timed mutexes, a condition variable with a predicate, a
//                  call_once, threads joined with their results and one detached; nothing to report
//   inversion      two threads, one after the other, take accounts -> ledger and ledger -> accounts
//   join           main holds ledger and joins a thread that waits for it: a deadlock
//   lost-wakeup    a thread signals before main waits, and main waits for good: all threads blocked
#include <threads.h>

#include <cstdio>
#include <cstring>

namespace {

mtx_t accounts;
mtx_t ledger;
mtx_t ready_mu;
cnd_t ready_cv;
bool ready = false;
once_flag setup_once = ONCE_FLAG_INIT;
int setups = 0;

int accounts_then_ledger(void*) {
  mtx_lock(&accounts);
  mtx_lock(&ledger);  // LINE:accounts_then_ledger
  mtx_unlock(&ledger);
  mtx_unlock(&accounts);
  return 0;
}

int ledger_then_accounts(void*) {
  mtx_lock(&ledger);
  mtx_lock(&accounts);  // LINE:ledger_then_accounts
  mtx_unlock(&accounts);
  mtx_unlock(&ledger);
  return 0;
}

int take_ledger(void*) {
  mtx_lock(&ledger);  // LINE:join_waiter
  mtx_unlock(&ledger);
  return 0;
}

int signal_too_early(void*) {
  mtx_lock(&ready_mu);
  cnd_signal(&ready_cv);  // the flag is never set: main's wait below misses this
  mtx_unlock(&ready_mu);
  return 0;
}

void setup() { ++setups; }

int worker(void* arg) {
  call_once(&setup_once, setup);
  mtx_t recursive;
  mtx_init(&recursive, mtx_plain | mtx_recursive);
  mtx_lock(&recursive);
  mtx_lock(&recursive);
  mtx_unlock(&recursive);
  mtx_unlock(&recursive);
  mtx_destroy(&recursive);
  mtx_lock(&ready_mu);
  ready = true;
  cnd_broadcast(&ready_cv);
  mtx_unlock(&ready_mu);
  return *static_cast<int*>(arg) * 2;
}

int detached(void*) {
  call_once(&setup_once, setup);
  return 0;
}

int correct() {
  mtx_t timed;
  mtx_init(&timed, mtx_timed);
  timespec until{};
  timespec_get(&until, TIME_UTC);
  until.tv_sec += 1;
  if (mtx_timedlock(&timed, &until) != thrd_success) return 1;
  mtx_unlock(&timed);
  mtx_destroy(&timed);
  thrd_t d;
  if (thrd_create(&d, detached, nullptr) != thrd_success || thrd_detach(d) != thrd_success) return 1;
  int args[4] = {1, 2, 3, 4};
  thrd_t t[4];
  for (int i = 0; i < 4; ++i)
    if (thrd_create(&t[i], worker, &args[i]) != thrd_success) return 1;
  mtx_lock(&ready_mu);
  while (!ready) cnd_wait(&ready_cv, &ready_mu);
  mtx_unlock(&ready_mu);
  int sum = 0;
  for (thrd_t& th : t) {
    int result = 0;
    if (thrd_join(th, &result) != thrd_success) return 1;
    sum += result;
  }
  std::printf("sum %d, setups %d\n", sum, setups);
  return sum == 20 && setups == 1 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  mtx_init(&accounts, mtx_plain);
  mtx_init(&ledger, mtx_plain);
  mtx_init(&ready_mu, mtx_plain);
  cnd_init(&ready_cv);
  const char* mode = argc > 1 ? argv[1] : "";
  thrd_t t;
  if (std::strcmp(mode, "inversion") == 0) {
    thrd_create(&t, accounts_then_ledger, nullptr);
    thrd_join(t, nullptr);
    thrd_create(&t, ledger_then_accounts, nullptr);
    thrd_join(t, nullptr);
    return 0;
  }
  if (std::strcmp(mode, "join") == 0) {
    mtx_lock(&ledger);
    thrd_create(&t, take_ledger, nullptr);
    thrd_join(t, nullptr);  // LINE:join_holding
    mtx_unlock(&ledger);
    return 0;
  }
  if (std::strcmp(mode, "lost-wakeup") == 0) {
    thrd_create(&t, signal_too_early, nullptr);
    thrd_join(t, nullptr);
    mtx_lock(&ready_mu);
    while (!ready) cnd_wait(&ready_cv, &ready_mu);  // LINE:lost_wait
    mtx_unlock(&ready_mu);
    return 0;
  }
  return correct();
}

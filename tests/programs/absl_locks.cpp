// Abseil's absl::Mutex and absl::CondVar as a program uses them (libabsl_synchronization.so), with no
// Gridlock header. Correct without an argument: two mutexes always in one order, readers nested both
// ways, a queue on a CondVar, a flag awaited with Await and with LockWhen (timed too), a mutex
// destroyed and another made in its memory, and Abseil's own waits built on absl::Mutex (Notification,
// BlockingCounter, Barrier) waited for while holding a lock that their givers do not need. With an argument, one bug:
//   inversion  two absl::Mutex taken in opposite orders, one thread after the other (a lock-order cycle)
//   mixed      an absl::Mutex and a std::mutex the same way (a cycle Abseil's own detector cannot see)
//   deadlock   the inversion with both outer locks taken before either inner one (an actual deadlock)
//   relock     a mutex locked again by the thread that holds it (a hang)
//   wait       a CondVar waited on with its mutex taken before another one that stays held: the wait
//              takes the first again under the second (a lock-order cycle with the first take)
//   notify     an absl::Notification waited for while holding the lock its giver needs first (a hang:
//              every thread blocked)
// Debian's Abseil is built with its own deadlock detector on, which aborts on a cycle of absl::Mutex
// alone, readers nested both ways included (it takes them for writers): the program turns it off, so
// that what is checked is Gridlock's finding.
#include <absl/synchronization/barrier.h>
#include <absl/synchronization/blocking_counter.h>
#include <absl/synchronization/mutex.h>
#include <absl/synchronization/notification.h>
#include <absl/time/time.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <thread>

namespace {

absl::Mutex accounts;
absl::Mutex audit;
absl::Mutex rates;  // only ever read-locked, as `settings`
absl::Mutex settings;
std::mutex journal;
long balance;
std::atomic<int> outer_taken{0};

/// Waits until both threads hold their outer lock.
void meet() {
  outer_taken.fetch_add(1);
  while (outer_taken.load() < 2) {
  }
}

void audit_inside_accounts(bool overlap) {
  absl::MutexLock outer(&accounts);  // LINE:outer_accounts
  if (overlap) meet();
  absl::MutexLock inner(&audit);  // LINE:audit_inside_accounts
  ++balance;
}

void accounts_inside_audit(bool overlap) {
  absl::MutexLock outer(&audit);  // LINE:outer_audit
  if (overlap) meet();
  absl::MutexLock inner(&accounts);  // LINE:accounts_inside_audit
  --balance;
}

void inversion(bool overlap) {
  std::thread one(audit_inside_accounts, overlap);
  if (!overlap) one.join();
  std::thread other(accounts_inside_audit, overlap);
  if (overlap) one.join();
  other.join();
}

void mixed() {
  std::thread([] {
    absl::MutexLock a(&accounts);
    std::lock_guard<std::mutex> j(journal);  // LINE:journal_inside_accounts
    ++balance;
  }).join();
  std::thread([] {
    std::lock_guard<std::mutex> j(journal);
    absl::MutexLock a(&accounts);  // LINE:accounts_inside_journal
    --balance;
  }).join();
}

void relock() {
  absl::MutexLock first(&accounts);  // LINE:first_lock
  accounts.Lock();                   // LINE:relock
}

void wait_under_another() {
  absl::CondVar posted;
  bool waiting = false, ready = false;
  std::thread waiter([&] {
    absl::MutexLock inner(&accounts);
    absl::MutexLock outer(&audit);  // LINE:audit_after_accounts
    waiting = true;
    while (!ready) posted.Wait(&accounts);  // LINE:wait_holding_audit
  });
  // Posts once the waiter waits: it sets `waiting` and starts its wait with `accounts` held.
  accounts.LockWhen(absl::Condition(&waiting));
  ready = true;
  posted.Signal();
  accounts.Unlock();
  waiter.join();
}

void notify_under_the_givers_lock() {
  absl::Notification ready;
  absl::MutexLock held(&accounts);  // LINE:waiter_holds_accounts
  std::thread giver([&] {
    absl::MutexLock a(&accounts);  // LINE:giver_needs_accounts
    ready.Notify();
  });
  ready.WaitForNotification();  // LINE:wait_for_notification
  giver.join();
}

/// What a correct program does with them: no finding.
void correct() {
  // One order, on several threads.
  std::thread workers[4];
  for (std::thread& w : workers)
    w = std::thread([] {
      for (int i = 0; i < 200; ++i) {
        absl::MutexLock a(&accounts);
        absl::MutexLock b(&audit);
        ++balance;
      }
    });
  for (std::thread& w : workers) w.join();
  // Readers of locks nobody writes nest both ways: readers do not block readers.
  std::thread r1([] {
    absl::ReaderMutexLock r(&rates);
    absl::ReaderMutexLock s(&settings);
  });
  r1.join();
  std::thread r2([] {
    absl::ReaderMutexLock s(&settings);
    absl::ReaderMutexLock r(&rates);
  });
  r2.join();
  // A queue on a condition variable, its consumer holding nothing else.
  absl::Mutex queue_mu;
  absl::CondVar nonempty;
  int queued = 0;
  std::thread consumer([&] {
    for (int taken = 0; taken < 100; ++taken) {
      absl::MutexLock l(&queue_mu);
      while (queued == 0) nonempty.Wait(&queue_mu);
      --queued;
    }
  });
  for (int i = 0; i < 100; ++i) {
    absl::MutexLock l(&queue_mu);
    ++queued;
    nonempty.Signal();
  }
  consumer.join();
  // A flag awaited, and locked when set.
  bool done = false;
  std::thread setter([&] {
    absl::MutexLock l(&queue_mu);
    done = true;
  });
  {
    absl::MutexLock l(&queue_mu);
    queue_mu.Await(absl::Condition(&done));
  }
  queue_mu.LockWhen(absl::Condition(&done));
  queue_mu.Unlock();
  if (!queue_mu.LockWhenWithTimeout(absl::Condition(&done), absl::Seconds(5))) std::puts("flag not set");
  queue_mu.Unlock();
  setter.join();
  // Abseil's waits, on locks inside the library, while this thread holds `accounts`.
  for (int round = 0; round < 20; ++round) {
    absl::Notification ready;
    absl::BlockingCounter done_count(2);
    auto* meeting = new absl::Barrier(3);
    std::thread givers[2];
    for (std::thread& g : givers)
      g = std::thread([&] {
        ready.WaitForNotification();
        if (meeting->Block()) delete meeting;
        done_count.DecrementCount();
      });
    {
      absl::MutexLock a(&accounts);
      ready.Notify();
      if (meeting->Block()) delete meeting;
      done_count.Wait();
    }
    for (std::thread& g : givers) g.join();
  }
  // A mutex destroyed, and a new one in its memory taken in the other order with `audit`.
  alignas(absl::Mutex) unsigned char storage[sizeof(absl::Mutex)];
  auto* first = new (storage) absl::Mutex;
  {
    absl::MutexLock f(first);
    absl::MutexLock a(&audit);
  }
  first->~Mutex();
  auto* second = new (storage) absl::Mutex;
  {
    absl::MutexLock a(&audit);
    absl::MutexLock s(second);
  }
  second->~Mutex();
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (std::strcmp(mode, "inversion") == 0) inversion(false);
  else if (std::strcmp(mode, "deadlock") == 0) inversion(true);
  else if (std::strcmp(mode, "mixed") == 0) mixed();
  else if (std::strcmp(mode, "relock") == 0) relock();
  else if (std::strcmp(mode, "wait") == 0) wait_under_another();
  else if (std::strcmp(mode, "notify") == 0) notify_under_the_givers_lock();
  else correct();
  std::printf("balance %ld\n", balance);
  return 0;
}

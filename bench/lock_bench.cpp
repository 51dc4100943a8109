// The cost of detection on the lock/unlock path: gridlock's primitives against their std:: namesakes,
// uncontended (the hot path: must allocate nothing and take no global lock), nested (8 locks held, so
// every acquisition checks 7 known edges), contended (2, 4, 8 threads on one lock), cycling through
// 16,384 locks (more than a thread's stack caches hold: objects with a mutex each), making a new lock
// per iteration (its creation), and, for the interposer's lock table, random locks over 10,000 and
// 200,000 std::mutexes (the second past its default bound of 65,536 live locks). For the interposer's
// other hooks: std::call_once on a flag already done (what a lazily initialized getter pays on every
// call), a std::promise round trip through a worker (a blocking future wait, its notify, and the
// call_once inside set_value), and an uncontended pthread spin lock and C11 mutex.
#include <pthread.h>
#include <semaphore.h>
#include <threads.h>

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <memory>
#include <shared_mutex>
#include <thread>
#include <utility>

#include "gridlock/gridlock.h"

namespace {

/// A pthread spin lock as BasicLockable.
class pthread_spin {
 public:
  pthread_spin() { pthread_spin_init(&lock_, PTHREAD_PROCESS_PRIVATE); }
  void lock() { pthread_spin_lock(&lock_); }
  void unlock() { pthread_spin_unlock(&lock_); }

 private:
  pthread_spinlock_t lock_;
};

/// A C11 mutex as BasicLockable.
class c11_mutex {
 public:
  c11_mutex() { mtx_init(&mutex_, mtx_plain); }
  void lock() { mtx_lock(&mutex_); }
  void unlock() { mtx_unlock(&mutex_); }

 private:
  mtx_t mutex_;
};

template <class Mutex>
void uncontended(benchmark::State& state) {
  static Mutex m;
  for (auto _ : state) {
    m.lock();
    m.unlock();
  }
}

template <class Mutex>
void nested8(benchmark::State& state) {
  static std::array<Mutex, 8> locks;
  for (auto _ : state) {
    for (Mutex& m : locks) m.lock();
    for (auto it = locks.rbegin(); it != locks.rend(); ++it) it->unlock();
  }
}

template <class Mutex>
void contended(benchmark::State& state) {
  static Mutex m;
  static long counter = 0;
  for (auto _ : state) {
    std::lock_guard<Mutex> g(m);
    benchmark::DoNotOptimize(++counter);
  }
}

template <class Mutex>
void many_locks(benchmark::State& state) {
  constexpr std::size_t count = 16384;
  static const auto locks = std::make_unique<Mutex[]>(count);
  std::size_t i = 0;
  for (auto _ : state) {
    Mutex& m = locks[i++ % count];
    m.lock();
    m.unlock();
  }
}

template <class Mutex>
void random_locks(benchmark::State& state) {
  static const auto locks = std::make_unique<Mutex[]>(200000);
  const auto count = static_cast<std::uint32_t>(state.range(0));
  std::uint32_t x = 1;
  for (auto _ : state) {
    x = x * 1664525u + 1013904223u;
    Mutex& m = locks[x % count];
    m.lock();
    m.unlock();
  }
}

template <class Mutex>
void create_and_lock(benchmark::State& state) {
  for (auto _ : state) {
    auto m = std::make_unique<Mutex>();
    m->lock();
    m->unlock();
    benchmark::DoNotOptimize(m.get());
  }
}

template <class Mutex>
void shared_uncontended(benchmark::State& state) {
  static Mutex m;
  for (auto _ : state) {
    m.lock_shared();
    m.unlock_shared();
  }
}

void BM_StdCallOnceDone(benchmark::State& state) {
  static std::once_flag flag;
  static int value = 0;
  for (auto _ : state) {
    std::call_once(flag, [] { value = 42; });
    benchmark::DoNotOptimize(value);
  }
}

/// A post and a wait that finds the count it posted: the uncontended path of both semaphore hooks.
void BM_SemPostWait(benchmark::State& state) {
  sem_t sem;
  sem_init(&sem, 0, 0);
  for (auto _ : state) {
    sem_post(&sem);
    sem_wait(&sem);
  }
  sem_destroy(&sem);
}

/// Two threads pass a turn back and forth with std::atomic::wait and notify_one (futex waits and wakes
/// through syscall()): one iteration is a round trip.
void BM_StdAtomicWaitPingPong(benchmark::State& state) {
  std::atomic<int> turn{0};
  std::atomic<bool> stop{false};
  std::thread other([&] {
    for (;;) {
      turn.wait(0);
      if (stop.load()) return;
      turn = 0;
      turn.notify_one();
    }
  });
  for (auto _ : state) {
    turn = 1;
    turn.notify_one();
    turn.wait(1);
  }
  stop = true;
  turn = 1;
  turn.notify_one();
  other.join();
}

/// Two threads pass a turn back and forth through one std::condition_variable and its mutex: one
/// iteration is a round trip. Each waiter's wait-for check finds the other notified and, often, awake
/// (woken, not yet run): a check that cannot tell, so under the interposer the wait is made in slices.
void BM_StdConditionVariablePingPong(benchmark::State& state) {
  std::mutex mu;
  std::condition_variable cv;
  int turn = 0;
  bool stop = false;
  std::thread other([&] {
    std::unique_lock<std::mutex> lk(mu);
    for (;;) {
      cv.wait(lk, [&] { return turn == 1 || stop; });
      if (stop) return;
      turn = 0;
      cv.notify_one();
    }
  });
  for (auto _ : state) {
    std::unique_lock<std::mutex> lk(mu);
    turn = 1;
    cv.notify_one();
    cv.wait(lk, [&] { return turn == 0; });
  }
  {
    std::lock_guard<std::mutex> lk(mu);
    stop = true;
  }
  cv.notify_one();
  other.join();
}

/// Each iteration hands a job to a long-lived worker through one condition variable and waits on
/// another for the worker to say it is done, as LevelDB's skiplist_test hands readers to its Env's
/// background thread. The main thread often waits before the notified worker has run: under the
/// interposer every thread then looks blocked, and its check waits for the worker to show it woke.
void BM_StdHandOffToAWorker(benchmark::State& state) {
  std::mutex queue_mu, state_mu;
  std::condition_variable queue_cv, state_cv;
  int jobs = 0, done = 0;
  bool stop = false;
  std::thread worker([&] {
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(queue_mu);
        queue_cv.wait(lk, [&] { return jobs > 0 || stop; });
        if (stop) return;
        --jobs;
      }
      std::lock_guard<std::mutex> lk(state_mu);
      ++done;
      state_cv.notify_one();
    }
  });
  for (auto _ : state) {
    {
      std::lock_guard<std::mutex> lk(queue_mu);
      ++jobs;
      queue_cv.notify_one();
    }
    std::unique_lock<std::mutex> lk(state_mu);
    state_cv.wait(lk, [&] { return done > 0; });
    --done;
  }
  {
    std::lock_guard<std::mutex> lk(queue_mu);
    stop = true;
  }
  queue_cv.notify_one();
  worker.join();
}

/// Each iteration hands a promise to a long-lived worker and waits for its value.
void BM_StdFutureRoundTrip(benchmark::State& state) {
  std::mutex mu;
  std::condition_variable cv;
  std::promise<int>* job = nullptr;
  bool stop = false;
  std::thread worker([&] {
    for (;;) {
      std::promise<int>* p;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return job != nullptr || stop; });
        if (stop) return;
        p = std::exchange(job, nullptr);
      }
      p->set_value(1);
    }
  });
  for (auto _ : state) {
    std::promise<int> p;
    std::future<int> f = p.get_future();
    {
      std::lock_guard<std::mutex> g(mu);
      job = &p;
    }
    cv.notify_one();
    benchmark::DoNotOptimize(f.get());
  }
  {
    std::lock_guard<std::mutex> g(mu);
    stop = true;
  }
  cv.notify_one();
  worker.join();
}

void BM_StdMutexUncontended(benchmark::State& s) { uncontended<std::mutex>(s); }
void BM_PthreadSpinUncontended(benchmark::State& s) { uncontended<pthread_spin>(s); }
void BM_C11MutexUncontended(benchmark::State& s) { uncontended<c11_mutex>(s); }
void BM_GridlockMutexUncontended(benchmark::State& s) { uncontended<gridlock::mutex>(s); }
void BM_StdRecursiveMutexUncontended(benchmark::State& s) { uncontended<std::recursive_mutex>(s); }
void BM_GridlockRecursiveMutexUncontended(benchmark::State& s) { uncontended<gridlock::recursive_mutex>(s); }
void BM_StdSharedMutexReadUncontended(benchmark::State& s) { shared_uncontended<std::shared_mutex>(s); }
void BM_GridlockSharedMutexReadUncontended(benchmark::State& s) { shared_uncontended<gridlock::shared_mutex>(s); }
void BM_StdMutexNested8(benchmark::State& s) { nested8<std::mutex>(s); }
void BM_GridlockMutexNested8(benchmark::State& s) { nested8<gridlock::mutex>(s); }
void BM_StdMutexManyLocks(benchmark::State& s) { many_locks<std::mutex>(s); }
void BM_GridlockMutexManyLocks(benchmark::State& s) { many_locks<gridlock::mutex>(s); }
void BM_StdMutexRandomLocks(benchmark::State& s) { random_locks<std::mutex>(s); }
void BM_StdMutexCreateAndLock(benchmark::State& s) { create_and_lock<std::mutex>(s); }
void BM_GridlockMutexCreateAndLock(benchmark::State& s) { create_and_lock<gridlock::mutex>(s); }
void BM_StdMutexContended(benchmark::State& s) { contended<std::mutex>(s); }
void BM_GridlockMutexContended(benchmark::State& s) { contended<gridlock::mutex>(s); }

}  // namespace

BENCHMARK(BM_StdCallOnceDone);
BENCHMARK(BM_StdFutureRoundTrip)->UseRealTime();
BENCHMARK(BM_StdHandOffToAWorker)->UseRealTime();
BENCHMARK(BM_SemPostWait);
BENCHMARK(BM_StdAtomicWaitPingPong)->UseRealTime();
BENCHMARK(BM_StdConditionVariablePingPong)->UseRealTime();
BENCHMARK(BM_StdMutexUncontended);
BENCHMARK(BM_PthreadSpinUncontended);
BENCHMARK(BM_C11MutexUncontended);
BENCHMARK(BM_GridlockMutexUncontended);
BENCHMARK(BM_StdRecursiveMutexUncontended);
BENCHMARK(BM_GridlockRecursiveMutexUncontended);
BENCHMARK(BM_StdSharedMutexReadUncontended);
BENCHMARK(BM_GridlockSharedMutexReadUncontended);
BENCHMARK(BM_StdMutexNested8);
BENCHMARK(BM_GridlockMutexNested8);
BENCHMARK(BM_StdMutexManyLocks);
BENCHMARK(BM_GridlockMutexManyLocks);
BENCHMARK(BM_StdMutexRandomLocks)->Arg(10000)->Arg(200000);
BENCHMARK(BM_StdMutexCreateAndLock);
BENCHMARK(BM_GridlockMutexCreateAndLock);
BENCHMARK(BM_StdMutexContended)->Threads(2)->Threads(4)->Threads(8)->UseRealTime();
BENCHMARK(BM_GridlockMutexContended)->Threads(2)->Threads(4)->Threads(8)->UseRealTime();

// The cost of detection on the lock/unlock path: gridlock's primitives against their std:: namesakes,
// uncontended (the hot path: must allocate nothing and take no global lock), nested (8 locks held, so
// every acquisition checks 7 known edges) and contended (2, 4, 8 threads on one lock).
#include <benchmark/benchmark.h>

#include <array>
#include <mutex>
#include <shared_mutex>

#include "gridlock/gridlock.h"

namespace {

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
void shared_uncontended(benchmark::State& state) {
  static Mutex m;
  for (auto _ : state) {
    m.lock_shared();
    m.unlock_shared();
  }
}

void BM_StdMutexUncontended(benchmark::State& s) { uncontended<std::mutex>(s); }
void BM_GridlockMutexUncontended(benchmark::State& s) { uncontended<gridlock::mutex>(s); }
void BM_StdRecursiveMutexUncontended(benchmark::State& s) { uncontended<std::recursive_mutex>(s); }
void BM_GridlockRecursiveMutexUncontended(benchmark::State& s) { uncontended<gridlock::recursive_mutex>(s); }
void BM_StdSharedMutexReadUncontended(benchmark::State& s) { shared_uncontended<std::shared_mutex>(s); }
void BM_GridlockSharedMutexReadUncontended(benchmark::State& s) { shared_uncontended<gridlock::shared_mutex>(s); }
void BM_StdMutexNested8(benchmark::State& s) { nested8<std::mutex>(s); }
void BM_GridlockMutexNested8(benchmark::State& s) { nested8<gridlock::mutex>(s); }
void BM_StdMutexContended(benchmark::State& s) { contended<std::mutex>(s); }
void BM_GridlockMutexContended(benchmark::State& s) { contended<gridlock::mutex>(s); }

}  // namespace

BENCHMARK(BM_StdMutexUncontended);
BENCHMARK(BM_GridlockMutexUncontended);
BENCHMARK(BM_StdRecursiveMutexUncontended);
BENCHMARK(BM_GridlockRecursiveMutexUncontended);
BENCHMARK(BM_StdSharedMutexReadUncontended);
BENCHMARK(BM_GridlockSharedMutexReadUncontended);
BENCHMARK(BM_StdMutexNested8);
BENCHMARK(BM_GridlockMutexNested8);
BENCHMARK(BM_StdMutexContended)->Threads(2)->Threads(4)->Threads(8)->UseRealTime();
BENCHMARK(BM_GridlockMutexContended)->Threads(2)->Threads(4)->Threads(8)->UseRealTime();

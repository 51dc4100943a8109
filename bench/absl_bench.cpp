// What the interposer's absl::Mutex hooks cost (harness/preload/hooks_absl.cpp): run bare and under
// LD_PRELOAD=libgridlock_preload.so (docs/performance.md). Built where Abseil is installed.
#include <absl/synchronization/mutex.h>
#include <benchmark/benchmark.h>

#include <array>

namespace {

void BM_AbslMutexUncontended(benchmark::State& state) {
  static absl::Mutex m;
  for (auto _ : state) {
    m.Lock();
    m.Unlock();
  }
}

void BM_AbslMutexReaderUncontended(benchmark::State& state) {
  static absl::Mutex m;
  for (auto _ : state) {
    m.ReaderLock();
    m.ReaderUnlock();
  }
}

// Eight held at once, always in one order: each lock past the first is an edge the detector already has.
void BM_AbslMutexNested8(benchmark::State& state) {
  static std::array<absl::Mutex, 8> locks;
  for (auto _ : state) {
    for (absl::Mutex& m : locks) m.Lock();
    for (auto m = locks.rbegin(); m != locks.rend(); ++m) m->Unlock();
  }
}

}  // namespace

BENCHMARK(BM_AbslMutexUncontended);
BENCHMARK(BM_AbslMutexReaderUncontended);
BENCHMARK(BM_AbslMutexNested8);

// The uncontended lock path, counted in instructions (bench/lock_path_instructions.sh runs it under
// callgrind): each iteration takes and releases one std::shared_mutex for reading and one of 64
// std::mutexes, nothing held around either, as a lock-heavy program's common case does. Plain std::
// code, so the same binary measures the interposer's hooks preloaded and the bare library calls.
#include <cstdlib>
#include <mutex>
#include <shared_mutex>

int main(int argc, char** argv) {
  static std::mutex shards[64];
  static std::shared_mutex config;
  const long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  volatile long sum = 0;  // keeps each critical section from being optimized away
  for (long i = 0; i < iterations; ++i) {
    {
      std::shared_lock<std::shared_mutex> read(config);
      sum = sum + 1;
    }
    {
      std::lock_guard<std::mutex> write(shards[i & 63]);
      sum = sum + 1;
    }
  }
  return 0;
}

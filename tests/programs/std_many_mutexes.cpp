// Correct: touches a million distinct std::mutexes (std::mutex never calls pthread_mutex_destroy, so
// the interposer's memory must stay bounded by its own rule), each one locked alone, every tenth also
// nested under one gate mutex. Prints the peak resident set size.
// Usage: std_many_mutexes [count=1000000]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace {

long peak_rss_kib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::atol(line + 6);
  std::fclose(f);
  return kib;
}

}  // namespace

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::atol(argv[1]) : 1000000;
  std::unique_ptr<std::mutex[]> mutexes(new std::mutex[count]);
  std::mutex gate;
  long sum = 0;
  for (long i = 0; i < count; ++i) {
    if (i % 10 == 0) {
      std::lock_guard<std::mutex> g(gate);
      std::lock_guard<std::mutex> m(mutexes[i]);
      sum += i;
    } else {
      std::lock_guard<std::mutex> m(mutexes[i]);
      sum += i;
    }
  }
  std::printf("count %ld sum %ld peak_rss_kib %ld\n", count, sum, peak_rss_kib());
  return 0;
}

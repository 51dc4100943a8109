// Correct: two kinds of object with a std::mutex each live, one after the other, in the same memory (as
// a freed object's block is handed to the next allocation of its size). A session's mutex is taken
// under the registry lock; later a cache entry at the same address takes the registry lock under its
// own mutex. Two different mutexes, no cycle. std::mutex never calls pthread_mutex_init or _destroy, so
// only the mutex's own memory can tell the interposer that the second is not the first.
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <new>
#include <thread>

namespace {

std::mutex registry_mu;

struct session {
  std::mutex mu;
  long hits = 0;
};

struct cache_entry {
  std::mutex mu;
  long size = 0;
};

}  // namespace

int main() {
  alignas(std::max_align_t) unsigned char block[64];
  auto* s = new (block) session;
  std::thread([s] {
    std::lock_guard<std::mutex> r(registry_mu);
    std::lock_guard<std::mutex> g(s->mu);
    ++s->hits;
  }).join();
  s->~session();

  auto* e = new (block) cache_entry;
  std::thread([e] {
    std::lock_guard<std::mutex> g(e->mu);
    std::lock_guard<std::mutex> r(registry_mu);
    ++e->size;
  }).join();
  e->~cache_entry();
  std::puts("done");
  return 0;
}

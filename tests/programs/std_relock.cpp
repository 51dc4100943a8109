// A thread locks a plain std::mutex it already holds. Expected: recursive-lock, exit code 86.
#include <cstdio>
#include <mutex>

namespace {

std::mutex cache_mu;
int cache_size = 0;

int size() {
  std::lock_guard<std::mutex> g(cache_mu);  // LINE:relock
  return cache_size;
}

void insert() {
  std::lock_guard<std::mutex> g(cache_mu);
  cache_size = size() + 1;
}

}  // namespace

int main() {
  insert();
  std::printf("size %d\n", cache_size);
  return 0;
}

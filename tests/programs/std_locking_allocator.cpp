// A program whose malloc locks a pthread mutex, as jemalloc's does (lib_locking_allocator): the
// interposer allocates inside its hooks, and must never call back into an allocator whose lock its own
// thread holds (it waited for it for ever: every jemalloc program hung). Threads allocate while they take
// the program's own locks; two take two locks in opposite orders, one after the other: a lock-order
// cycle the program's locks still show. Expected: lock-order-cycle, exit code 0.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex names_mu;
std::mutex index_mu;
std::vector<std::string> names;

void add_names(int from) {
  for (int i = from; i < from + 2000; ++i) {
    std::string name = "name-" + std::to_string(i);
    std::lock_guard<std::mutex> g(names_mu);
    names.push_back(std::move(name));
  }
}

void names_then_index() {
  std::lock_guard<std::mutex> n(names_mu);
  std::lock_guard<std::mutex> x(index_mu);  // LINE:names_then_index
  names.emplace_back("indexed");
}

void index_then_names() {
  std::lock_guard<std::mutex> x(index_mu);
  std::lock_guard<std::mutex> n(names_mu);  // LINE:index_then_names
  names.emplace_back("reindexed");
}

}  // namespace

int main() {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(add_names, t * 2000);
  for (auto& t : threads) t.join();
  std::thread(names_then_index).join();
  std::thread(index_then_names).join();
  std::printf("names %zu\n", names.size());
  return 0;
}

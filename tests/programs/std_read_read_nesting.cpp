// Correct: two lookups nest the read sides of two std::shared_mutexes in opposite orders; readers do
// not block readers (glibc's default rwlock prefers readers), and writers take each write side alone.
// Expected: no finding, exit code 0.
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

namespace {

std::shared_mutex schema_mu;
std::shared_mutex catalog_mu;
std::map<std::string, int> columns{{"id", 0}, {"name", 1}};
std::map<std::string, int> tables{{"users", 2}};

long describe() {
  std::shared_lock<std::shared_mutex> s(schema_mu);
  std::shared_lock<std::shared_mutex> c(catalog_mu);
  return static_cast<long>(columns.size()) * tables.at("users");
}

long list() {
  std::shared_lock<std::shared_mutex> c(catalog_mu);
  std::shared_lock<std::shared_mutex> s(schema_mu);
  return tables.at("users") + static_cast<long>(columns.size());
}

}  // namespace

int main() {
  long sum = 0;
  std::thread d([&] {
    for (int i = 0; i < 5000; ++i) sum += describe();
  });
  long sum2 = 0;
  std::thread l([&] {
    for (int i = 0; i < 5000; ++i) sum2 += list();
  });
  std::thread w([] {
    for (int i = 0; i < 200; ++i) {
      {
        std::unique_lock<std::shared_mutex> g(schema_mu);
        columns["c" + std::to_string(i % 4)] = i;
      }
      std::unique_lock<std::shared_mutex> g(catalog_mu);
      tables["users"] = 2;
    }
  });
  d.join();
  l.join();
  w.join();
  std::printf("%ld %ld\n", sum, sum2);
  return 0;
}

// Correct: eight threads reach one-time initializations at once. A function-local static whose
// initializer takes a lock and touches another static (whose initializer takes another), and a static
// and a std::call_once whose initializers take a lock and throw the first time (the next caller then
// runs them again). The initializations nest in one order and no thread holds a lock they need
// while it waits for them; afterwards every thread uses them under a lock of its own. Nothing to report.
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex defaults_mu;
std::mutex load_mu;
std::mutex table_mu;

struct defaults {
  int limit;
  defaults() {
    std::lock_guard<std::mutex> g(defaults_mu);
    limit = 64;
  }
};

const defaults& the_defaults() {
  static const defaults d;
  return d;
}

struct config {
  std::string name;
  int limit;
  config() : limit(the_defaults().limit) {
    std::lock_guard<std::mutex> g(load_mu);
    name = "service";
  }
};

const config& the_config() {
  static const config c;
  return c;
}

// Throws on its first construction: the static stays uninitialized and the next use tries again.
int index_attempts = 0;
struct index {
  index() {
    std::lock_guard<std::mutex> g(load_mu);
    if (++index_attempts == 1) throw std::runtime_error("first attempt fails");
  }
};

const index& the_index() {
  static const index i;
  return i;
}

void ensure_index() {
  try {
    the_index();
  } catch (const std::runtime_error&) {
    the_index();
  }
}

std::once_flag tables_built;
int build_attempts = 0;

void build_tables() {
  std::lock_guard<std::mutex> g(load_mu);
  if (++build_attempts == 1) throw std::runtime_error("first attempt fails");
}

void ensure_tables() {
  try {
    std::call_once(tables_built, build_tables);
  } catch (const std::runtime_error&) {
    std::call_once(tables_built, build_tables);
  }
}

}  // namespace

int main() {
  long total = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      const config& c = the_config();
      ensure_tables();
      ensure_index();
      for (int i = 0; i < 1000; ++i) {
        std::lock_guard<std::mutex> g(table_mu);
        ensure_tables();
        total += c.limit + static_cast<long>(the_config().name.size());
      }
    });
  for (std::thread& t : threads) t.join();
  std::printf("%ld %d %d\n", total, build_attempts, index_attempts);
}

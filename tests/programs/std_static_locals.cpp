// Correct: eight threads first touch a function-local static at once. Its initializer takes a lock
// and touches another static whose initializer takes another; afterwards every thread uses the
// statics under a lock of its own. The initializations nest in one order and no thread holds a lock
// the initializers need while it waits for them: nothing to report.
#include <cstdio>
#include <mutex>
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

}  // namespace

int main() {
  long total = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      const config& c = the_config();
      for (int i = 0; i < 1000; ++i) {
        std::lock_guard<std::mutex> g(table_mu);
        total += c.limit + static_cast<long>(the_config().name.size());
      }
    });
  for (std::thread& t : threads) t.join();
  std::printf("%ld\n", total);
}

// Three subsystems, each calling into the next while holding its own lock: a cache miss loads from the
// database (cache -> db), a commit appends to the write-ahead log (db -> log), and log compaction
// invalidates cached pages (log -> cache). No two threads invert a pair, yet together the three close
// the cycle cache -> db -> log -> cache. The calls are short, so the threads rarely hang for real.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct storage_engine {
  gridlock::mutex cache_mu{"cache"};
  gridlock::mutex db_mu{"db"};
  gridlock::mutex log_mu{"log"};
  std::map<int, std::string> cache;  // guarded by cache_mu
  std::map<int, std::string> rows;   // guarded by db_mu
  std::vector<std::string> wal;      // guarded by log_mu

  /// Cache miss: holds the cache while loading the row from the database.
  std::string get(int key) {
    std::lock_guard<gridlock::mutex> c(cache_mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    std::lock_guard<gridlock::mutex> d(db_mu);
    return cache[key] = rows[key];
  }

  /// Commit: holds the database while appending to the log.
  void put(int key, std::string value) {
    std::lock_guard<gridlock::mutex> d(db_mu);
    rows[key] = value;
    std::lock_guard<gridlock::mutex> l(log_mu);
    wal.push_back(std::to_string(key) + "=" + value);
  }

  /// Compaction: holds the log while invalidating cached pages it rewrote.
  void compact() {
    std::lock_guard<gridlock::mutex> l(log_mu);
    std::vector<std::string> kept;
    kept.swap(wal);
    std::lock_guard<gridlock::mutex> c(cache_mu);
    cache.clear();
  }
};

void body(scenarios::context& ctx) {
  storage_engine engine;
  const int rounds = 1 + static_cast<int>(ctx.pick(3));
  gridlock::thread reader = gridlock::thread::named("cache-reader", [&] {
    for (int i = 0; i < rounds; ++i) engine.get(i);
  });
  gridlock::thread writer = gridlock::thread::named("db-writer", [&] {
    for (int i = 0; i < rounds; ++i) engine.put(i, "v" + std::to_string(i));
  });
  gridlock::thread compactor = gridlock::thread::named("log-compactor", [&] {
    for (int i = 0; i < rounds; ++i) engine.compact();
  });
  reader.join();
  writer.join();
  compactor.join();
}

}  // namespace

GRIDLOCK_SCENARIO("three-lock-cycle",
                  "cache -> db -> log -> cache across three subsystems (lock-order cycle of three locks)",
                  finding, body);

// Two lookups nest the read sides of two shared_mutexes in opposite orders (schema then catalog, and
// catalog then schema). Readers do not block readers, so the opposite orders are no deadlock; writers
// update each table under its write lock alone, never nested.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "gridlock/shared_mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct database {
  gridlock::shared_mutex schema_mu{"schema"};
  gridlock::shared_mutex catalog_mu{"catalog"};
  std::map<std::string, int> columns{{"id", 0}, {"name", 1}};  // guarded by schema_mu
  std::map<std::string, int> tables{{"users", 2}};             // guarded by catalog_mu
};

int describe_table(database& db) {
  std::shared_lock<gridlock::shared_mutex> s(db.schema_mu);
  std::shared_lock<gridlock::shared_mutex> c(db.catalog_mu);
  return static_cast<int>(db.columns.size()) * db.tables.at("users");
}

int list_columns(database& db) {
  std::shared_lock<gridlock::shared_mutex> c(db.catalog_mu);
  std::shared_lock<gridlock::shared_mutex> s(db.schema_mu);
  return db.tables.at("users") + static_cast<int>(db.columns.size());
}

void body(scenarios::context& ctx) {
  database db;
  const int rounds = 10 + static_cast<int>(ctx.pick(50));
  const bool with_writers = ctx.pick(2) == 0;
  gridlock::thread describer = gridlock::thread::named("describer", [&] {
    for (int i = 0; i < rounds; ++i) describe_table(db);
  });
  gridlock::thread lister = gridlock::thread::named("column-lister", [&] {
    for (int i = 0; i < rounds; ++i) list_columns(db);
  });
  gridlock::thread migrator = gridlock::thread::named("migrator", [&] {
    for (int i = 0; with_writers && i < rounds / 5; ++i) {
      {
        std::unique_lock<gridlock::shared_mutex> w(db.schema_mu);
        db.columns["col" + std::to_string(i)] = i;
      }
      std::unique_lock<gridlock::shared_mutex> w(db.catalog_mu);
      db.tables["users"] += 1;
    }
  });
  describer.join();
  lister.join();
  migrator.join();
}

}  // namespace

GRIDLOCK_SCENARIO(
    "read-read-nesting",
    "readers nest two shared_mutexes' read sides in opposite orders (readers never block readers)", clean,
    body);

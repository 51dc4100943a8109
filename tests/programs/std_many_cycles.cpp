// N rows, each with its own heap-allocated mutex: one thread locks each row's mutex and then the table's,
// a later one the table's and then each row's. N lock-order cycles through the same two lines, which
// are one bug: reports list it once, with the count of the others (`repeats`), and call the rows'
// mutex as those lines spell it, `row->mu`. The threads never overlap. Expected: lock-order-cycle,
// exit code 0. Usage: std_many_cycles [rows=2000]
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

struct row {
  std::mutex mu;
  long hits = 0;
};

std::mutex table_mu;

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::vector<std::unique_ptr<row>> rows;
  for (int i = 0; i < n; ++i) rows.push_back(std::make_unique<row>());
  std::thread updater([&] {
    for (auto& row : rows) {
      std::lock_guard<std::mutex> r(row->mu);
      std::lock_guard<std::mutex> t(table_mu);  // LINE:row_then_table
      ++row->hits;
    }
  });
  updater.join();
  std::thread scanner([&] {
    for (auto& row : rows) {
      std::lock_guard<std::mutex> t(table_mu);
      std::lock_guard<std::mutex> r(row->mu);  // LINE:table_then_row
      ++row->hits;
    }
  });
  scanner.join();
  return 0;
}

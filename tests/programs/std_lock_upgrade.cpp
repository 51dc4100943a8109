// A reader of a std::shared_mutex asks for the write side while still holding the read side.
// Expected: lock-upgrade, exit code 86.
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace {

std::shared_mutex table_mu;
std::map<std::string, int> table;

int get_or_insert(const std::string& key) {
  std::shared_lock<std::shared_mutex> read(table_mu);
  auto it = table.find(key);
  if (it != table.end()) return it->second;
  std::unique_lock<std::shared_mutex> write(table_mu);  // LINE:upgrade
  return table[key] = static_cast<int>(table.size());
}

}  // namespace

int main() {
  std::printf("%d\n", get_or_insert("x"));
  return 0;
}

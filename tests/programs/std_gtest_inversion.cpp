// A GoogleTest binary with a latent lock-order inversion in two tests: Cache.RefreshThenEvict takes
// index then store on one thread and store then index on another, one after the other, so the test
// passes every time; CacheFixture.EvictThenRefresh does the same the other way round on its fixture's
// cache. `gridlock exec` must still report the cycle, at these lines, once, in both tests, and not in
// Cache.Lookup, which takes one lock at a time.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace {

struct cache {
  std::mutex index_mu;
  std::mutex store_mu;
  std::map<std::string, int> index;
  std::map<int, std::string> store;

  void refresh(const std::string& key, int slot) {
    std::lock_guard<std::mutex> i(index_mu);
    std::lock_guard<std::mutex> s(store_mu);  // LINE:refresh
    index[key] = slot;
    store[slot] = key;
  }
  void evict(int slot) {
    std::lock_guard<std::mutex> s(store_mu);
    std::lock_guard<std::mutex> i(index_mu);  // LINE:evict
    index.erase(store[slot]);
    store.erase(slot);
  }
  int lookup(const std::string& key) {
    std::lock_guard<std::mutex> i(index_mu);
    const auto it = index.find(key);
    return it == index.end() ? -1 : it->second;
  }
};

TEST(Cache, Lookup) {
  cache c;
  c.index["a"] = 1;
  EXPECT_EQ(c.lookup("a"), 1);
  EXPECT_EQ(c.lookup("b"), -1);
}

TEST(Cache, RefreshThenEvict) {
  cache c;
  std::thread refresher([&] { c.refresh("a", 1); });
  refresher.join();
  std::thread evicter([&] { c.evict(1); });
  evicter.join();
  EXPECT_EQ(c.lookup("a"), -1);
}

class CacheFixture : public ::testing::Test {
 protected:
  cache c;
};

TEST_F(CacheFixture, EvictThenRefresh) {
  std::thread evicter([&] { c.evict(1); });
  evicter.join();
  std::thread refresher([&] { c.refresh("a", 1); });
  refresher.join();
  EXPECT_EQ(c.lookup("a"), 1);
}

}  // namespace

// Two operations take the orders and inventory locks in opposite orders, but only ever under the store's
// gate lock, so they can never both hold one of the pair at once: the inversion is harmless. Quick reads
// take a single lock without the gate.
#include <map>
#include <mutex>
#include <string>

#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

struct store {
  gridlock::mutex gate{"store-gate"};
  gridlock::mutex orders_mu{"orders"};
  gridlock::mutex inventory_mu{"inventory"};
  std::map<int, int> orders;                         // guarded by orders_mu
  std::map<int, int> inventory{{1, 100}, {2, 100}};  // guarded by inventory_mu
};

/// Gate, then orders, then inventory.
void place_order(store& s, int id, int item) {
  std::lock_guard<gridlock::mutex> g(s.gate);
  std::lock_guard<gridlock::mutex> o(s.orders_mu);
  std::lock_guard<gridlock::mutex> i(s.inventory_mu);
  s.orders[id] = item;
  --s.inventory[item];
}

/// Gate, then inventory, then orders: inverted, but under the same gate.
void restock_and_reconcile(store& s, int item) {
  std::lock_guard<gridlock::mutex> g(s.gate);
  std::lock_guard<gridlock::mutex> i(s.inventory_mu);
  std::lock_guard<gridlock::mutex> o(s.orders_mu);
  s.inventory[item] += static_cast<int>(s.orders.size());
}

/// A single lock, no gate needed.
int stock_level(store& s, int item) {
  std::lock_guard<gridlock::mutex> i(s.inventory_mu);
  return s.inventory[item];
}

void body(scenarios::context& ctx) {
  store s;
  const int rounds = 5 + static_cast<int>(ctx.pick(30));
  gridlock::thread shop = gridlock::thread::named("checkout", [&] {
    for (int k = 0; k < rounds; ++k) place_order(s, k, 1 + k % 2);
  });
  gridlock::thread warehouse = gridlock::thread::named("warehouse", [&] {
    for (int k = 0; k < rounds; ++k) restock_and_reconcile(s, 1 + k % 2);
  });
  gridlock::thread dashboard = gridlock::thread::named("dashboard", [&] {
    for (int k = 0; k < rounds; ++k) stock_level(s, 1 + k % 2);
  });
  shop.join();
  warehouse.join();
  dashboard.join();
}

}  // namespace

GRIDLOCK_SCENARIO("gated-inversion", "opposite lock orders, always taken under one common gate lock (clean)",
                  clean, body);

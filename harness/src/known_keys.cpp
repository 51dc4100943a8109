#include "known_keys.h"

namespace gridlock {

known_keys::known_keys() : current_(make_table(1024)) {}

known_keys::table* known_keys::make_table(std::size_t capacity) {
  auto* t = new table;
  t->mask = capacity - 1;
  t->slots = new std::atomic<std::uint64_t>[capacity];
  for (std::size_t i = 0; i < capacity; ++i) t->slots[i].store(0, std::memory_order_relaxed);
  return t;
}

bool known_keys::place(table* t, std::uint64_t key) {
  for (std::size_t i = key & t->mask;; i = (i + 1) & t->mask) {
    const std::uint64_t k = t->slots[i].load(std::memory_order_relaxed);
    if (k == key) return false;
    if (k == 0) {
      t->slots[i].store(key, std::memory_order_release);
      return true;
    }
  }
}

bool known_keys::insert(std::uint64_t key) {
  table* t = current_.load(std::memory_order_relaxed);
  if ((size_ + 1) * 2 > t->mask + 1) {
    // Grow at half load. The old table stays allocated: a reader may still be probing it.
    table* bigger = make_table((t->mask + 1) * 2);
    for (std::size_t i = 0; i <= t->mask; ++i) {
      const std::uint64_t k = t->slots[i].load(std::memory_order_relaxed);
      if (k != 0) place(bigger, k);
    }
    current_.store(bigger, std::memory_order_release);
    t = bigger;
  }
  if (!place(t, key)) return false;
  ++size_;
  return true;
}

}  // namespace gridlock

// A grow-only set of 64-bit keys with lock-free lookup, for "has the lock-order graph already seen this
// edge in this context?". Lookups never block; insertions are serialized by the caller (they happen on
// the detector's slow path, under its lock). Growing publishes a new table and keeps the old one alive
// (readers may still be probing it), so memory is at most twice the final table. Key 0 is reserved.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gridlock {

class known_keys {
 public:
  known_keys();
  known_keys(const known_keys&) = delete;
  known_keys& operator=(const known_keys&) = delete;

  /// Whether `key` (non-zero) was inserted. Lock-free, safe concurrently with insert().
  bool contains(std::uint64_t key) const noexcept {
    const table* t = current_.load(std::memory_order_acquire);
    for (std::size_t i = key & t->mask;; i = (i + 1) & t->mask) {
      const std::uint64_t k = t->slots[i].load(std::memory_order_acquire);
      if (k == key) return true;
      if (k == 0) return false;
    }
  }
  /// Adds `key` (non-zero). Callers serialize insert() calls. Returns false if it was there.
  bool insert(std::uint64_t key);
  std::size_t size() const noexcept { return size_; }

 private:
  struct table {
    std::size_t mask;
    std::atomic<std::uint64_t>* slots;
  };
  static table* make_table(std::size_t capacity);
  static bool place(table* t, std::uint64_t key);

  std::atomic<table*> current_;
  std::size_t size_ = 0;
};

}  // namespace gridlock

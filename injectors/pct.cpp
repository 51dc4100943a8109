// pct: Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
// Every thread gets a seeded random priority when it first reaches a sync point (from the seed and its
// schedule key, so the same thread gets the same priority in every run); d - 1 change points are drawn
// from the seed over the estimated run length of k steps; the thread that makes the i-th change point's
// step drops to priority i (1 <= i < d), below every initial priority (as in the paper's algorithm). At each sync point a thread that is not
// the highest-priority runnable thread is held back.
//
// The approximation (docs/injectors.md): PCT proper runs exactly one thread at a time. Here the
// runtime holds a thread back by sleeping in short slices while some higher-priority thread is alive and
// not blocked in a wait the runtime knows of, up to a cap per sync point, so a hold-back can never hang
// the program by itself (a higher-priority thread spinning, sleeping or blocked outside gridlock looks
// runnable until the cap; a thread held back for the whole cap while others kept passing sync points
// then goes above them all). Steps are counted process-wide, so which thread makes a change-point step
// depends on the interleaving; the initial priorities do not.
#include <algorithm>
#include <vector>

#include "injectors/strategy.h"

namespace gridlock::inject {
namespace {

class pct_strategy final : public strategy {
 public:
  explicit pct_strategy(const options& o) : strategy(o) {
    const unsigned d = std::max(1u, o.pct_depth);
    const std::uint64_t k = std::max<std::uint64_t>(1, o.pct_steps);
    std::uint64_t rng = mix(o.seed ^ 0x7063745f63686721ull) | 1;  // its own stream: "pct_chg!"
    for (unsigned i = 1; i < d; ++i) change_points_.push_back(1 + xorshift(rng) % k);
    // change_points_[i - 1] is the i-th change point's step: the thread making it drops to priority i.
    // Kept in drawing order: the priority belongs to the change point, not to its rank in time.
  }

  std::string_view name() const noexcept override { return "pct"; }

  action at_sync_point(thread_slot& t, sync_point, std::uint32_t) noexcept override {
    ++t.steps;
    const std::uint64_t step = steps_.fetch_add(1, std::memory_order_relaxed) + 1;
    for (std::size_t i = 0; i < change_points_.size(); ++i)
      if (change_points_[i] == step) t.priority.store(static_cast<std::int64_t>(i + 1), std::memory_order_release);
    return {sync_action::defer, 0};
  }

  bool outranked(const thread_slot& t, const thread_view& view) const noexcept override {
    const std::int64_t mine = t.priority.load(std::memory_order_acquire);
    const std::uint32_t n = slot_count();
    for (std::uint32_t i = 0; i < n; ++i) {
      const thread_slot& other = slots()[i];
      if (&other == &t || !other.active.load(std::memory_order_acquire)) continue;
      if (other.priority.load(std::memory_order_acquire) > mine && view.runnable(other)) return true;
    }
    return false;
  }

  // PCT proper would never run `t` while the thread above it polls. It goes above every thread instead,
  // a priority change like a change point's: one cap per poller, not one per sync point of `t`.
  void held_back_for_the_cap(thread_slot& t) noexcept override {
    std::int64_t top = t.priority.load(std::memory_order_acquire);
    const std::uint32_t n = slot_count();
    for (std::uint32_t i = 0; i < n; ++i)
      if (slots()[i].active.load(std::memory_order_acquire)) top = std::max(top, slots()[i].priority.load(std::memory_order_acquire));
    t.priority.store(top + 1, std::memory_order_release);
  }

  std::int64_t recorded_priority(const thread_slot& t) const noexcept override {
    return t.priority.load(std::memory_order_relaxed);
  }

 protected:
  void on_thread_start(thread_slot& t) noexcept override {
    // Initial priorities are at least d, so every change point's i is below all of them; the order
    // among threads is a seeded random permutation (by key, so it does not depend on who starts first).
    const auto d = static_cast<std::int64_t>(change_points_.size()) + 1;
    const auto r = static_cast<std::int64_t>(mix(opts_.seed ^ mix(t.key ^ 0x7072696f72697479ull)) >> 2);  // "priority"
    t.priority.store(d + r, std::memory_order_release);
  }

 private:
  std::vector<std::uint64_t> change_points_;
  std::atomic<std::uint64_t> steps_{0};
};

}  // namespace

std::unique_ptr<strategy> make_pct(const options& o) { return std::make_unique<pct_strategy>(o); }

}  // namespace gridlock::inject

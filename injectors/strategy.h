// The one small interface every schedule-perturbation strategy implements (one strategy per file:
// none.cpp, random.cpp, pct.cpp, controlled.cpp). Modelled on Shuttle's Scheduler, shrunk to what a
// strategy can do: the runtime (harness/src/sync_points.cpp) asks it, at each sync point of each thread,
// what that thread should do, and carries it out; a strategy that serializes the run (controlled) is
// also asked which runnable thread goes next (harness/src/turns.cpp hands the turn over).
//
// The contract that makes a schedule a value that replays: a strategy's decision for a thread is a
// function of the seed, the thread's schedule key and that thread's sync-point counter, nothing else
// (pct adds its process-wide step counter: docs/injectors.md); controlled's choice is a function of the
// seed and the choices before it, or the replayed schedule's. Strategies never sleep themselves, never
// take a lock, and never change what the program does: only when.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include <span>

#include "gridlock/strategy.h"
#include "injectors/schedule.h"

namespace gridlock::inject {

struct options {
  std::uint64_t seed = 1;
  unsigned pct_depth = default_pct_depth;          ///< d: d - 1 priority change points
  std::uint64_t pct_steps = default_pct_steps;     ///< k: the estimated sync points of one run
  std::shared_ptr<const schedule> replay;          ///< controlled: the choices to make, in order
};

/// What the runtime does for a thread at a sync point.
struct action {
  sync_action what = sync_action::proceed;
  std::uint32_t pause_ns = 0;  ///< for pause
};

/// One thread as the strategy knows it. Slots are handed out by strategy::attach() and never freed
/// while their strategy lives; only the thread itself writes `steps` and `rng`.
struct thread_slot {
  std::uint64_t key = 0;            ///< the schedule key: stable across runs of the same program
  std::uint32_t index = 0;          ///< its place in the order of attach(): a schedule's thread number
  std::uint64_t steps = 0;          ///< sync points this thread has passed
  std::uint64_t rng = 0;            ///< per-thread xorshift64 state, seeded from (seed, key)
  std::atomic<std::int64_t> priority{0};  ///< pct
  std::atomic<bool> active{false};  ///< between attach() and detach()
  /// The runtime's record of the thread (opaque here), null while the thread is starting: its parent
  /// attached it, and it has not reached its first sync point yet. Set before handle_id.
  std::atomic<const void*> handle{nullptr};
  std::atomic<std::uint64_t> handle_id{0};  ///< that record's never-reused id
  std::atomic<bool> deferring{false};  ///< the runtime's: inside a pct hold-back right now
};

/// What a strategy may ask the runtime about a thread.
class thread_view {
 public:
  /// Whether the thread can run now, as far as the runtime can tell: alive, not blocked in a wait the
  /// runtime knows of, and either held back itself or not stalled (docs/injectors.md).
  virtual bool runnable(const thread_slot& t) const noexcept = 0;

 protected:
  ~thread_view() = default;
};

class strategy {
 public:
  static constexpr std::uint32_t max_threads = 4096;  ///< beyond this, threads get no slot and proceed

  explicit strategy(const options& o);
  virtual ~strategy() = default;
  strategy(const strategy&) = delete;
  strategy& operator=(const strategy&) = delete;

  virtual std::string_view name() const noexcept = 0;

  /// A thread's first sync point under this strategy, or its parent starting it (handle null): its
  /// slot (null once max_threads are taken).
  thread_slot* attach(std::uint64_t key, const void* handle, std::uint64_t handle_id) noexcept;
  /// A thread attached by its parent has started: its record.
  void bind(thread_slot& t, const void* handle, std::uint64_t handle_id) noexcept;
  /// The thread is ending (a gridlock::thread after its body).
  void detach(thread_slot& t) noexcept;

  /// The decision for this thread's next sync point, where it holds `locks_held` locks (after the
  /// release, for after_unlock). Advances t.steps.
  virtual action at_sync_point(thread_slot& t, sync_point where, std::uint32_t locks_held) noexcept = 0;
  /// For sync_action::defer: whether the thread must still wait now. The runtime asks again after each
  /// short sleep, and stops asking at its cap.
  virtual bool outranked(const thread_slot& t, const thread_view& view) const noexcept { return false; }
  /// For sync_action::defer: the runtime held `t` back for its whole cap while other threads kept
  /// passing sync points (a higher thread polling in a loop never blocks). The strategy may change
  /// priorities so that `t` is not held back that long again.
  virtual void held_back_for_the_cap(thread_slot& t) noexcept {}
  /// The priority recorded with a decision (pct); 0 otherwise.
  virtual std::int64_t recorded_priority(const thread_slot& t) const noexcept { return 0; }

  /// Whether exactly one thread runs between sync points (controlled): then the runtime hands a turn
  /// from thread to thread and asks choose() who has it next. The calls below are for such strategies
  /// only, and the runtime serializes them.
  virtual bool serializes() const noexcept { return false; }
  /// Which of `candidates` (thread indexes, ascending) goes next; `why` is choice (at least two
  /// candidates), or stalled when the turn is taken from a thread that stopped reaching sync points (at
  /// least one: a stall is recorded even without a choice). Records the step.
  virtual std::uint32_t choose(std::span<const std::uint32_t> candidates, schedule_step::kind why) noexcept {
    return candidates.front();
  }
  /// A thread nobody known started has joined (its timing is not the schedule's): recorded.
  virtual void joined(std::uint32_t index) noexcept {}
  /// What was chosen so far; null for strategies that do not serialize.
  virtual const schedule* recorded() const noexcept { return nullptr; }
  /// The first step at which a replayed schedule and the run parted (a recorded choice was not among
  /// the candidates), or -1 while they agree.
  virtual std::int64_t diverged_at() const noexcept { return -1; }

 protected:
  virtual void on_thread_start(thread_slot& t) noexcept {}

  /// The slots attached so far (those below slot_count()).
  thread_slot* slots() const noexcept { return slots_.get(); }
  std::uint32_t slot_count() const noexcept {
    return std::min(used_.load(std::memory_order_acquire), max_threads);
  }

  const options opts_;

 private:
  std::unique_ptr<thread_slot[]> slots_;
  std::atomic<std::uint32_t> used_{0};
};

/// The strategy named `name` (one of gridlock::strategy_names), or null for an unknown name.
std::unique_ptr<strategy> make_strategy(std::string_view name, const options& o);

// One factory per file.
std::unique_ptr<strategy> make_none(const options& o);
std::unique_ptr<strategy> make_random(const options& o);
std::unique_ptr<strategy> make_pct(const options& o);
std::unique_ptr<strategy> make_controlled(const options& o);

/// splitmix64's finalizer: a well-spread 64-bit hash of x.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// The next value of a xorshift64 state (never 0).
inline std::uint64_t xorshift(std::uint64_t& s) noexcept {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

}  // namespace gridlock::inject

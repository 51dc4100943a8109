// Sync points: asks the active strategy what the calling thread should do and does it (nothing, a
// yield, a short sleep, pct's bounded hold-back, or controlled's turn: turns.h). Runs only while a
// strategy other than `none` is active: events::at_sync_point() checks detail::sync_points_on first.
// Never holds a runtime lock while it delays a thread, and never changes what a primitive does, only
// when. Also the primitives' way to park in turns (gridlock/turns.h) and the strategy's configuration.
#include "sync_points.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <time.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gridlock/strategy.h"
#include "gridlock/turns.h"
#include "injectors/strategy.h"
#include "internal_lock.h"
#include "os_thread.h"
#include "runtime_core.h"
#include "runtime_sleep.h"
#include "turns.h"
#include "wait_for_detector.h"

namespace gridlock {

constinit std::atomic<bool> detail::sync_points_on{false};

namespace {

using steady_clock = std::chrono::steady_clock;

/// One set_strategy(): the strategy and what it recorded. Never freed, so a thread still finishing a
/// sync point under the previous strategy never touches freed memory.
struct generation {
  std::unique_ptr<inject::strategy> strategy;
  std::string name;
  std::atomic<std::uint64_t> foreign{0};  // threads not started by gridlock::thread, so far
  std::atomic<std::uint64_t> steps{0};    // sync points passed by every thread: progress, for defer()
  std::atomic<bool> recording{false};
  internal_lock log_lock;  // guards the map's shape; each vector is appended to by its thread only
  std::map<std::uint64_t, std::vector<sync_decision>> logs;
  internal_lock starting_lock;
  std::map<std::uint64_t, inject::thread_slot*> starting;  // attached by their parents, not yet started
  std::unique_ptr<gridlock::turns> turns;  // for a strategy that serializes the run (controlled)
};

std::atomic<generation*> g_current{nullptr};
std::atomic<bool> g_record{false};
internal_lock g_set_lock;

/// The calling thread's place in the current generation.
struct local_state {
  generation* gen = nullptr;
  inject::thread_slot* slot = nullptr;      // null past the strategy's max_threads
  std::vector<sync_decision>* log = nullptr;  // when recording
  std::uint64_t key = 0;
  std::uint64_t children = 0;     // gridlock::threads started by this thread in this generation
  std::uint64_t pending_key = 0;  // handed over by thread_begins_slow()
  turns* parked = nullptr;        // park_prepare()'s turns, until park() or park_cancel()
  inject::thread_slot* parked_slot = nullptr;
};
constinit thread_local local_state t_local;

/// What pct asks of the runtime: can that thread run now? Not if it is blocked in a wait the runtime
/// knows of, or asleep in the kernel (unless it is itself held back, which sleeps). While `stalled` (no
/// thread has passed a sync point for defer_stall), a thread that is not held back itself counts only
/// until it has burnt defer_spin of CPU time without passing one: then it is spinning, most likely
/// waiting for us.
class runtime_view final : public inject::thread_view {
 public:
  void progress() noexcept {
    stalled_ = false;
    samples_used_ = 0;
  }
  void stall() noexcept { stalled_ = true; }
  /// Whether the last outranked() saw a higher-priority thread that is itself held back.
  bool saw_held_back() const noexcept { return saw_held_back_; }
  void forget() noexcept { saw_held_back_ = false; }

  bool runnable(const inject::thread_slot& t) const noexcept override {
    const auto* r = static_cast<const thread_record*>(t.handle.load(std::memory_order_acquire));
    if (r == nullptr) return true;  // still starting: it will run
    // A record is reused once its thread is dead: the id tells a new thread apart.
    if (!r->alive.load(std::memory_order_acquire) || r->id != t.handle_id.load(std::memory_order_relaxed) ||
        r->blocked())
      return false;
    if (t.deferring.load(std::memory_order_acquire)) {
      saw_held_back_ = true;
      return true;
    }
    if (threads::asleep(*r)) return false;
    if (!stalled_) return true;
    const std::int64_t cpu = os_thread::cpu_ns(r->tid);
    if (cpu < 0) return false;
    for (std::size_t i = 0; i < samples_used_; ++i)
      if (samples_[i].slot == &t)
        return cpu - samples_[i].cpu_ns < std::chrono::nanoseconds(sync_points::defer_spin).count();
    if (samples_used_ < samples_.size()) samples_[samples_used_++] = {&t, cpu};
    return true;
  }

 private:
  struct sample {
    const inject::thread_slot* slot;
    std::int64_t cpu_ns;  // its CPU time when the stall was first seen
  };
  bool stalled_ = false;
  mutable bool saw_held_back_ = false;
  mutable std::array<sample, 32> samples_{};
  mutable std::size_t samples_used_ = 0;
};

/// The calling thread's state under `g`, attaching it (its key, its slot) on first use.
local_state& attach_here(generation& g) noexcept {
  local_state& me = t_local;
  if (me.gen == &g) return me;
  thread_record* rec = threads::self();
  me.gen = &g;
  me.children = 0;
  if (me.pending_key != 0)
    me.key = me.pending_key;
  else if (rec->is_main)
    me.key = sync_points::main_key;
  else
    me.key = sync_points::foreign_key_base + g.foreign.fetch_add(1, std::memory_order_relaxed) + 1;
  inject::thread_slot* started = nullptr;
  if (me.pending_key != 0) {  // our parent attached us (next_child_key_slow)
    g.starting_lock.lock();
    if (auto it = g.starting.find(me.pending_key); it != g.starting.end()) {
      started = it->second;
      g.starting.erase(it);
    }
    g.starting_lock.unlock();
  }
  me.pending_key = 0;
  if (started != nullptr) {
    g.strategy->bind(*started, rec, rec->id);
    me.slot = started;
  } else {
    me.slot = g.strategy->attach(me.key, rec, rec->id);
    if (g.turns != nullptr && me.slot != nullptr)
      g.turns->known(*me.slot, false, me.key >= sync_points::foreign_key_base);
  }
  me.log = nullptr;
  if (g.recording.load(std::memory_order_acquire)) {
    g.log_lock.lock();
    me.log = &g.logs[me.key];
    g.log_lock.unlock();
  }
  return me;
}

/// pct's hold-back: short sleeps while a higher-priority thread can run (sync_points.h has the rules
/// that keep it bounded). Only timing depends on what it sees, never a decision.
void defer(generation& g, inject::thread_slot& slot) noexcept {
  inject::strategy& s = *g.strategy;
  runtime_view view;
  if (!s.outranked(slot, view)) return;
  slot.deferring.store(true, std::memory_order_release);
  const steady_clock::time_point start = steady_clock::now();
  steady_clock::time_point last_progress = start;
  std::uint64_t last_steps = g.steps.load(std::memory_order_relaxed);
  std::chrono::microseconds slice = sync_points::first_defer_slice;
  for (;;) {
    detail::sleep_for(slice);
    slice = std::min(slice * 2, sync_points::max_defer_slice);
    const steady_clock::time_point now = steady_clock::now();
    if (now - start >= sync_points::defer_cap) {
      if (last_progress != start) s.held_back_for_the_cap(slot);
      break;
    }
    if (const std::uint64_t steps = g.steps.load(std::memory_order_relaxed); steps != last_steps) {
      last_steps = steps;
      last_progress = now;
      view.progress();
    } else if (now - last_progress >= sync_points::defer_idle_cap && !view.saw_held_back()) {
      break;
    } else if (now - last_progress >= sync_points::defer_stall) {
      view.stall();
    }
    view.forget();
    if (!s.outranked(slot, view)) break;
  }
  slot.deferring.store(false, std::memory_order_release);
}

std::uint64_t parse_number(const char* variable, std::uint64_t fallback, bool& ok) noexcept {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || *text == '-') {
    std::fprintf(stderr, "%s=%s is not a number; schedule perturbation is off\n", variable, text);
    ok = false;
    return fallback;
  }
  return v;
}

/// controlled's sync point: wake the released lock's waiters, then hand the turn on (turns.h).
void take_turn(generation& g, inject::thread_slot& slot, sync_point where, const void* released) noexcept {
  if (where == sync_point::thread_exit) {
    g.turns->exit(slot, threads::self());  // its joiners wait on its record
    return;
  }
  if (released != nullptr) g.turns->wake(released, true);
  g.turns->at_sync_point(slot);
}

/// Makes a strategy the active one; the previous one's parked threads go on. False for an unknown name.
bool install(std::string_view name, const inject::options& o, int schedule_fd) {
  std::unique_ptr<inject::strategy> s = inject::make_strategy(name, o);
  if (s == nullptr) return false;
  auto* g = new generation;  // never freed: see generation
  g->strategy = std::move(s);
  g->name = std::string(name);
  if (g->strategy->serializes()) g->turns = std::make_unique<gridlock::turns>(*g->strategy, schedule_fd);
  g->recording.store(g_record.load(std::memory_order_relaxed), std::memory_order_relaxed);
  g_set_lock.lock();
  generation* old = g_current.exchange(g, std::memory_order_acq_rel);
  detail::sync_points_on.store(name != "none", std::memory_order_release);
  g_set_lock.unlock();
  if (old != nullptr && old->turns != nullptr) old->turns->release_all();
  return true;
}

/// The strategy from the environment, or false after saying on stderr why not (sync_points.h).
bool configure(const char* name) {
  bool ok = true;
  const std::uint64_t seed = parse_number("GRIDLOCK_SEED", 1, ok);
  const std::uint64_t depth = parse_number("GRIDLOCK_PCT_DEPTH", default_pct_depth, ok);
  const std::uint64_t steps = parse_number("GRIDLOCK_PCT_STEPS", default_pct_steps, ok);
  if (!ok) return false;
  if (depth == 0 || depth > max_pct_depth) {
    std::fprintf(stderr, "GRIDLOCK_PCT_DEPTH=%llu is out of range (1..%u); schedule perturbation is off\n",
                 static_cast<unsigned long long>(depth), max_pct_depth);
    return false;
  }
  inject::options o;
  o.seed = seed;
  o.pct_depth = static_cast<unsigned>(depth);
  o.pct_steps = steps != 0 ? steps : default_pct_steps;
  if (const char* text = std::getenv("GRIDLOCK_SCHEDULE"); text != nullptr && *text != '\0') {
    try {
      o.replay = std::make_shared<const inject::schedule>(inject::schedule::parse(text));
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "GRIDLOCK_SCHEDULE: %s; schedule perturbation is off\n", e.what());
      return false;
    }
    o.seed = o.replay->seed;
  }
  int schedule_fd = -1;
  if (const char* path = std::getenv("GRIDLOCK_SCHEDULE_OUT"); path != nullptr && *path != '\0') {
    schedule_fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (schedule_fd < 0) std::fprintf(stderr, "GRIDLOCK_SCHEDULE_OUT=%s cannot be written: %s\n", path, std::strerror(errno));
  }
  if (!install(name, o, schedule_fd)) {
    std::string names;
    for (std::string_view n : strategy_names) names += (names.empty() ? "" : ", ") + std::string(n);
    std::fprintf(stderr, "GRIDLOCK_STRATEGY=%s is not a strategy (%s); schedule perturbation is off\n", name,
                 names.c_str());
    if (schedule_fd >= 0) ::close(schedule_fd);
    return false;
  }
  return true;
}

[[maybe_unused]] const bool g_from_environment = sync_points::configure_from_environment();

/// Marks the calling thread as kept at its sync point by the strategy, for `why`, for the scope.
class held_back {
 public:
  explicit held_back(const char* why) noexcept : self_(*threads::self()) {
    self_.held_back_by.store(why, std::memory_order_relaxed);
  }
  ~held_back() { self_.held_back_by.store(nullptr, std::memory_order_relaxed); }
  held_back(const held_back&) = delete;
  held_back& operator=(const held_back&) = delete;

 private:
  thread_record& self_;
};

/// The turns a primitive parked in (park_prepare), or null: not in turns after all.
turns* parked_turns() noexcept { return t_local.parked; }

}  // namespace

void detail::sync_point_slow(sync_point where, const void* released) noexcept {
  generation* g = g_current.load(std::memory_order_acquire);
  if (g == nullptr) return;
  local_state& me = attach_here(*g);
  if (me.slot == nullptr) return;
  inject::strategy& s = *g->strategy;
  g->steps.fetch_add(1, std::memory_order_relaxed);
  const std::uint32_t held = threads::self()->held_count.load(std::memory_order_relaxed);
  const inject::action a = s.at_sync_point(*me.slot, where, held);
  if (me.log != nullptr) me.log->push_back({where, a.what, a.pause_ns, s.recorded_priority(*me.slot)});
  switch (a.what) {
    case sync_action::proceed: break;
    // A thread alone in its process has nothing to interleave with: a one-thread tool under exec (a
    // script's openssl, a control client) would only be slowed down.
    case sync_action::yield:
      if (threads::live_count() > 1) sched_yield();
      break;
    case sync_action::pause:
      if (threads::live_count() > 1) detail::sleep_for(std::chrono::nanoseconds(a.pause_ns));
      break;
    case sync_action::defer: {
      const held_back mark("pct holds it back for higher-priority threads");
      defer(*g, *me.slot);
      break;
    }
    case sync_action::turn: {
      const held_back mark("controlled runs one thread at a time");
      take_turn(*g, *me.slot, where, released);
      break;
    }
  }
  if (where == sync_point::thread_exit) s.detach(*me.slot);
}

void detail::thread_begins_slow(std::uint64_t key) noexcept {
  t_local.pending_key = key;
  t_local.gen = nullptr;  // attach anew, under this key
  sync_point_slow(sync_point::thread_start);
}

std::uint64_t detail::next_child_key_slow() noexcept {
  generation* g = g_current.load(std::memory_order_acquire);
  if (g == nullptr) return 0;
  local_state& me = attach_here(*g);
  std::uint64_t key = inject::mix(me.key ^ inject::mix(++me.children)) & ~sync_points::foreign_key_base;
  if (key <= sync_points::main_key) key += 2;  // 0 means "no key", 1 is main's
  // The child exists from now on as far as pct is concerned: a thread that is starting can run, and
  // a lower-priority thread must not take the few microseconds before its first sync point as a gap.
  if (inject::thread_slot* slot = g->strategy->attach(key, nullptr, 0)) {
    if (g->turns != nullptr) g->turns->known(*slot, true, false);
    try {
      g->starting_lock.lock();
      g->starting.emplace(key, slot);
      g->starting_lock.unlock();
    } catch (...) {  // out of memory: the child attaches on its own
      g->starting_lock.unlock();
      g->strategy->detach(*slot);
    }
  }
  return key;
}

bool set_strategy(std::string_view name, std::uint64_t seed, unsigned pct_depth, std::uint64_t pct_steps) {
  inject::options o;
  o.seed = seed;
  o.pct_depth = pct_depth != 0 ? pct_depth : default_pct_depth;
  o.pct_steps = pct_steps != 0 ? pct_steps : default_pct_steps;
  return install(name, o, -1);
}

void replay_schedule(std::string_view schedule) {
  inject::options o;
  o.replay = std::make_shared<const inject::schedule>(inject::schedule::parse(schedule));
  o.seed = o.replay->seed;
  install("controlled", o, -1);
}

std::string recorded_schedule() {
  generation* g = g_current.load(std::memory_order_acquire);
  return g != nullptr && g->turns != nullptr ? g->turns->schedule_text() : std::string();
}

std::string current_strategy() {
  const generation* g = g_current.load(std::memory_order_acquire);
  return g != nullptr ? g->name : "none";
}

void record_decisions(bool on) noexcept {
  g_record.store(on, std::memory_order_relaxed);
  if (generation* g = g_current.load(std::memory_order_acquire)) g->recording.store(on, std::memory_order_release);
}

std::map<std::uint64_t, std::vector<sync_decision>> recorded_decisions() {
  generation* g = g_current.load(std::memory_order_acquire);
  if (g == nullptr) return {};
  g->log_lock.lock();
  std::map<std::uint64_t, std::vector<sync_decision>> copy = g->logs;
  g->log_lock.unlock();
  return copy;
}

std::uint64_t schedule_key() noexcept {
  if (!detail::sync_points_on.load(std::memory_order_acquire)) return 0;
  generation* g = g_current.load(std::memory_order_acquire);
  return g != nullptr ? attach_here(*g).key : 0;
}

bool sync_points::configure_from_environment() noexcept {
  const char* name = std::getenv("GRIDLOCK_STRATEGY");
  if (name == nullptr || *name == '\0' || std::strcmp(name, "none") == 0) return false;
  try {
    return configure(name);
  } catch (...) {  // out of memory at startup
    return false;
  }
}

void sync_points::blocking_for_real() noexcept {
  generation* g = g_current.load(std::memory_order_acquire);
  if (g == nullptr || g->turns == nullptr) return;
  if (local_state& me = attach_here(*g); me.slot != nullptr) g->turns->leave(*me.slot);
}

bool detail::under_control_slow() noexcept {
  generation* g = g_current.load(std::memory_order_acquire);
  return g != nullptr && g->turns != nullptr && attach_here(*g).slot != nullptr;
}

void detail::park_prepare(const void* key, bool timed) noexcept {
  local_state& me = t_local;
  me.parked = nullptr;
  generation* g = g_current.load(std::memory_order_acquire);
  if (g == nullptr || g->turns == nullptr || attach_here(*g).slot == nullptr) return;
  me.parked = g->turns.get();
  me.parked_slot = me.slot;
  me.parked->prepare(*me.parked_slot, key, timed);
}

void detail::park_cancel() noexcept {
  if (turns* t = parked_turns()) t->cancel(*t_local.parked_slot);
  t_local.parked = nullptr;
}

void detail::park_check() {
  turns* t = parked_turns();
  if (t == nullptr) return;
  thread_record& self = *threads::self();
  try {
    if (t->settled(*t_local.parked_slot))
      wait_for::check_settled(self);
    else
      wait_for::check(self);
  } catch (...) {
    park_cancel();
    wait_for::after_wake(self);
    throw;
  }
}

detail::park_result detail::park() {
  turns* t = parked_turns();
  t_local.parked = nullptr;
  return t != nullptr ? t->park(*t_local.parked_slot, *threads::self()) : park_result::released;
}

bool detail::wake_slow(const void* key, bool all) noexcept {
  generation* g = g_current.load(std::memory_order_acquire);
  return g != nullptr && g->turns != nullptr && g->turns->wake(key, all);
}

bool detail::thread_ended(const thread_record* t) noexcept {
  generation* g = g_current.load(std::memory_order_acquire);
  return g == nullptr || g->turns == nullptr || g->turns->ended(t);
}

}  // namespace gridlock

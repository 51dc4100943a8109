// Sync points: asks the active strategy what the calling thread should do and does it (nothing, a
// yield, a short sleep, or pct's bounded hold-back). Runs only while a strategy other than `none` is
// active: events::at_sync_point() checks detail::sync_points_on first. Never holds a runtime lock while
// it delays a thread, and never changes what a primitive does, only when.
#include "sync_points.h"

#include <sched.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gridlock/strategy.h"
#include "injectors/strategy.h"
#include "internal_lock.h"
#include "runtime_core.h"

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
  std::atomic<bool> recording{false};
  internal_lock log_lock;  // guards the map's shape; each vector is appended to by its thread only
  std::map<std::uint64_t, std::vector<sync_decision>> logs;
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
};
constinit thread_local local_state t_local;

/// What pct asks of the runtime: can that thread run now?
class runtime_view final : public inject::thread_view {
 public:
  bool runnable(const inject::thread_slot& t) const noexcept override {
    const auto* r = static_cast<const thread_record*>(t.handle);
    // A record is reused once its thread is dead: the id tells a new thread apart.
    return r->alive.load(std::memory_order_acquire) && r->id == t.handle_id && !r->blocked();
  }
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
  me.pending_key = 0;
  me.slot = g.strategy->attach(me.key, rec, rec->id);
  me.log = nullptr;
  if (g.recording.load(std::memory_order_acquire)) {
    g.log_lock.lock();
    me.log = &g.logs[me.key];
    g.log_lock.unlock();
  }
  return me;
}

void sleep_for(std::chrono::nanoseconds d) noexcept {
  timespec ts{static_cast<time_t>(d.count() / 1'000'000'000), static_cast<long>(d.count() % 1'000'000'000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/// pct's hold-back: short sleeps while a higher-priority thread can run, never longer than the cap.
void defer(const inject::strategy& s, const inject::thread_slot& slot) noexcept {
  static const runtime_view view;
  if (!s.outranked(slot, view)) return;
  const steady_clock::time_point until = steady_clock::now() + sync_points::defer_cap;
  std::chrono::microseconds slice = sync_points::first_defer_slice;
  do {
    sleep_for(slice);
    slice = std::min(slice * 2, sync_points::max_defer_slice);
  } while (steady_clock::now() < until && s.outranked(slot, view));
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

[[maybe_unused]] const bool g_from_environment = sync_points::configure_from_environment();

}  // namespace

void detail::sync_point_slow(sync_point where) noexcept {
  generation* g = g_current.load(std::memory_order_acquire);
  if (g == nullptr) return;
  local_state& me = attach_here(*g);
  if (me.slot == nullptr) return;
  inject::strategy& s = *g->strategy;
  const inject::action a = s.at_sync_point(*me.slot, where);
  if (me.log != nullptr) me.log->push_back({where, a.what, a.pause_ns, s.recorded_priority(*me.slot)});
  switch (a.what) {
    case sync_action::proceed: break;
    case sync_action::yield: sched_yield(); break;
    case sync_action::pause: sleep_for(std::chrono::nanoseconds(a.pause_ns)); break;
    case sync_action::defer: defer(s, *me.slot); break;
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
  return key;
}

bool set_strategy(std::string_view name, std::uint64_t seed, unsigned pct_depth, std::uint64_t pct_steps) {
  inject::options o;
  o.seed = seed;
  o.pct_depth = pct_depth != 0 ? pct_depth : default_pct_depth;
  o.pct_steps = pct_steps != 0 ? pct_steps : default_pct_steps;
  std::unique_ptr<inject::strategy> s = inject::make_strategy(name, o);
  if (s == nullptr) return false;
  auto* g = new generation;  // never freed: see generation
  g->strategy = std::move(s);
  g->name = std::string(name);
  g->recording.store(g_record.load(std::memory_order_relaxed), std::memory_order_relaxed);
  g_set_lock.lock();
  g_current.store(g, std::memory_order_release);
  detail::sync_points_on.store(name != "none", std::memory_order_release);
  g_set_lock.unlock();
  return true;
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
  bool ok = true;
  const std::uint64_t seed = parse_number("GRIDLOCK_SEED", 1, ok);
  const std::uint64_t depth = parse_number("GRIDLOCK_PCT_DEPTH", default_pct_depth, ok);
  const std::uint64_t steps = parse_number("GRIDLOCK_PCT_STEPS", default_pct_steps, ok);
  if (!ok) return false;
  if (depth == 0 || depth > 64) {
    std::fprintf(stderr, "GRIDLOCK_PCT_DEPTH=%llu is out of range (1..64); schedule perturbation is off\n",
                 static_cast<unsigned long long>(depth));
    return false;
  }
  try {
    if (!set_strategy(name, seed, static_cast<unsigned>(depth), steps)) {
      std::fprintf(stderr, "GRIDLOCK_STRATEGY=%s is not a strategy (none, random, pct); schedule perturbation is off\n",
                   name);
      return false;
    }
  } catch (...) {  // out of memory at startup
    return false;
  }
  return true;
}

}  // namespace gridlock

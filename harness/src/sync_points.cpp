// Sync points: asks the active strategy what the calling thread should do and does it (nothing, a
// yield, a short sleep, or pct's bounded hold-back). Runs only while a strategy other than `none` is
// active: events::at_sync_point() checks detail::sync_points_on first. Never holds a runtime lock while
// it delays a thread, and never changes what a primitive does, only when.
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
  std::atomic<std::uint64_t> steps{0};    // sync points passed by every thread: progress, for defer()
  std::atomic<bool> recording{false};
  internal_lock log_lock;  // guards the map's shape; each vector is appended to by its thread only
  std::map<std::uint64_t, std::vector<sync_decision>> logs;
  internal_lock starting_lock;
  std::map<std::uint64_t, inject::thread_slot*> starting;  // attached by their parents, not yet started
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

/// CPU time the thread with this OS thread id has used, in ns; -1 once it is gone. (The kernel's clock
/// id for a thread, as pthread_getcpuclockid makes it, from the tid so a dead thread is no hazard.)
std::int64_t thread_cpu_ns(std::int32_t tid) noexcept {
  const auto clock = static_cast<clockid_t>((~tid << 3) | 6);  // MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Whether the kernel has the thread with this OS thread id asleep (state S: a futex, a sleep, I/O):
/// then it cannot run, whatever the runtime believes (a thread woken by a notify that is still waiting
/// to get its mutex back inside the condition variable looks running to the runtime). False when it
/// cannot tell.
bool kernel_says_sleeping(std::int32_t tid) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* close_paren = std::strrchr(buf, ')');  // the name may hold spaces and parentheses
  return close_paren != nullptr && close_paren[1] == ' ' && close_paren[2] == 'S';
}

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
    if (kernel_says_sleeping(r->tid)) return false;
    if (!stalled_) return true;
    const std::int64_t cpu = thread_cpu_ns(r->tid);
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
  }
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

/// pct's hold-back: short sleeps while a higher-priority thread can run (sync_points.h has the rules
/// that keep it bounded). Only timing depends on what it sees, never a decision.
void defer(generation& g, inject::thread_slot& slot) noexcept {
  const inject::strategy& s = *g.strategy;
  runtime_view view;
  if (!s.outranked(slot, view)) return;
  slot.deferring.store(true, std::memory_order_release);
  const steady_clock::time_point start = steady_clock::now();
  steady_clock::time_point last_progress = start;
  std::uint64_t last_steps = g.steps.load(std::memory_order_relaxed);
  std::chrono::microseconds slice = sync_points::first_defer_slice;
  for (;;) {
    sleep_for(slice);
    slice = std::min(slice * 2, sync_points::max_defer_slice);
    const steady_clock::time_point now = steady_clock::now();
    if (now - start >= sync_points::defer_cap) break;
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

[[maybe_unused]] const bool g_from_environment = sync_points::configure_from_environment();

}  // namespace

void detail::sync_point_slow(sync_point where) noexcept {
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
    case sync_action::yield: sched_yield(); break;
    case sync_action::pause: sleep_for(std::chrono::nanoseconds(a.pause_ns)); break;
    case sync_action::defer: defer(*g, *me.slot); break;
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
  if (depth == 0 || depth > max_pct_depth) {
    std::fprintf(stderr, "GRIDLOCK_PCT_DEPTH=%llu is out of range (1..%u); schedule perturbation is off\n",
                 static_cast<unsigned long long>(depth), max_pct_depth);
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

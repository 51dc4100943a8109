#include "steering.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "internal_lock.h"
#include "runtime_sleep.h"
#include "symbolize.h"

namespace gridlock::steering {

constinit std::atomic<bool> on{false};

namespace {

// Enough for a thread to meet its partner in the cycle a few times over; few enough that a site on a
// hot path costs a confirmation run at most this many pauses per thread.
constexpr int max_pauses_per_thread = 8;
constexpr std::uint32_t max_pause_us = 1'000'000;
constexpr long poll_ns = 100'000;

const target* g_target = nullptr;  // set once at startup, never freed

/// The meeting point: threads paused at target sites wait for as many partners as the cycle has edges
/// (DeadlockFuzzer's rendezvous, Joshi et al., PLDI 2009). When the last arrives, the meeting's
/// generation moves on and all go on at once, each holding its lock of the cycle and reaching for the
/// next: the deadlock forms. One that waits out its pause alone leaves without being counted.
internal_lock g_meet_lock;
std::uint64_t g_generation = 0;  // guarded by g_meet_lock
std::size_t g_arrived = 0;       // guarded by g_meet_lock; at the current generation

void meet(std::size_t needed, std::uint32_t pause_us) {
  g_meet_lock.lock();
  const std::uint64_t generation = g_generation;
  if (++g_arrived >= needed) {
    ++g_generation;
    g_arrived = 0;
    g_meet_lock.unlock();
    return;
  }
  g_meet_lock.unlock();
  for (long waited_ns = 0; waited_ns < static_cast<long>(pause_us) * 1000; waited_ns += poll_ns) {
    detail::sleep_for(std::chrono::nanoseconds(poll_ns));
    g_meet_lock.lock();
    const bool met = g_generation != generation;
    g_meet_lock.unlock();
    if (met) return;
  }
  g_meet_lock.lock();
  if (g_generation == generation) --g_arrived;
  g_meet_lock.unlock();
}

/// Per thread: which program calls are target sites (a call is located once: locate() is not cheap).
struct call_cache {
  static constexpr std::size_t size = 64;  // power of two
  std::uintptr_t caller[size] = {};
  bool is_site[size] = {};
  int pauses = 0;
};
thread_local call_cache t_calls;

bool is_target_site(std::uintptr_t caller) {
  const code_location where = locate(caller);
  for (const site& s : g_target->sites)
    if (s.offset == where.offset && s.module == where.module) return true;
  return false;
}

const bool configured = [] {
  const char* text = std::getenv("GRIDLOCK_CONFIRM");
  if (text == nullptr) return false;
  auto* t = new target;
  if (!parse_target(text, *t)) {
    std::fprintf(stderr, "gridlock: ignoring a malformed GRIDLOCK_CONFIRM\n");
    delete t;
    return false;
  }
  g_target = t;
  on.store(true, std::memory_order_release);
  return true;
}();

}  // namespace

std::string format_target(const target& t) {
  std::ostringstream out;
  out << "gridlock-confirm 1\npause-us " << t.pause_us << "\n";
  for (const site& s : t.sites) out << "site 0x" << std::hex << s.offset << std::dec << " " << s.module << "\n";
  return out.str();
}

bool parse_target(std::string_view text, target& out) {
  out = {};
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line) || line != "gridlock-confirm 1") return false;
  bool have_pause = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word == "pause-us") {
      unsigned long us = 0;
      if (!(words >> us) || us > max_pause_us || !words.eof()) return false;
      out.pause_us = static_cast<std::uint32_t>(us);
      have_pause = true;
    } else if (word == "site") {
      std::string offset;
      if (!(words >> offset) || offset.rfind("0x", 0) != 0 || offset.size() < 3) return false;
      char* end = nullptr;
      const unsigned long long v = std::strtoull(offset.c_str() + 2, &end, 16);
      if (*end != '\0') return false;
      std::string module;
      std::getline(words >> std::ws, module);
      if (module.empty()) return false;
      out.sites.push_back({module, static_cast<std::uintptr_t>(v)});
    } else {
      return false;
    }
  }
  return have_pause && !out.sites.empty();
}

void after_acquire(std::uintptr_t caller) noexcept {
  if (g_target == nullptr || caller == 0) return;
  call_cache& c = t_calls;
  if (c.pauses >= max_pauses_per_thread) return;
  const std::size_t slot = (caller >> 2) & (call_cache::size - 1);
  if (c.caller[slot] != caller) {
    bool site = false;
    try {
      site = is_target_site(caller);
    } catch (...) {  // out of memory while locating: no pause
    }
    c.caller[slot] = caller;
    c.is_site[slot] = site;
  }
  if (!c.is_site[slot]) return;
  ++c.pauses;
  meet(g_target->sites.size(), g_target->pause_us);
}

}  // namespace gridlock::steering

// Steering toward a predicted lock-order cycle, for `--confirm` (docs/detectors.md, "Confirming
// predictions"). A confirmation run gets GRIDLOCK_CONFIRM: the program call sites (module and offset)
// that took the held side of each edge of the cycle in the run that predicted it. A thread that has just
// taken a lock at one of those sites pauses while holding it until as many threads as the cycle has
// edges are paused so (or its pause runs out); then they all reach for their next lock at once, the
// cycle closes for real and the wait-for detector reports the deadlock. Only ever a delay, as the
// strategies are.
//
// The format of GRIDLOCK_CONFIRM (one line per item):
//   gridlock-confirm 1
//   pause-us N          the longest one pause waits for partners (the runner varies it per run)
//   site OFFSET MODULE  one edge's held-side call: OFFSET in hex (0x...), MODULE the file's path (may
//                       hold spaces); an edge per line, so a site many edges share is listed as often
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gridlock::steering {

/// One held-side call site, as reports locate frames (symbolize.h: module file and offset).
struct site {
  std::string module;
  std::uintptr_t offset = 0;
  bool operator==(const site&) const = default;
};

struct target {
  std::uint32_t pause_us = 0;
  std::vector<site> sites;
};

/// GRIDLOCK_CONFIRM's text for `t`, and its inverse: nullopt-like false for a malformed text.
std::string format_target(const target& t);
bool parse_target(std::string_view text, target& out);

/// True in a confirmation run (GRIDLOCK_CONFIRM set and well-formed, read once at startup). The one
/// thing an acquisition reads otherwise: a relaxed load and a branch not taken. Hidden, as
/// detail::sync_points_on.
extern constinit std::atomic<bool> on [[gnu::visibility("hidden")]];

/// The calling thread has just taken a lock (it is recorded as the holder) from the program call at
/// `caller`: pauses it if that call is one of the target's sites. Each thread pauses at most a bounded
/// number of times per run, so a hot site cannot stall a program.
void after_acquire(std::uintptr_t caller) noexcept;

}  // namespace gridlock::steering

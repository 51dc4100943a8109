// The return addresses above a call, read from the frame-pointer chain: a few loads where an unwind
// costs microseconds. They mean something only where the code keeps frame pointers (unoptimized
// builds, -fno-omit-frame-pointer), which a caller must first check against a real unwind
// (thread_record::site_stack_miss); elsewhere the chain is garbage, and every read still stays inside
// the thread's stack.
#pragma once

#include <cstdint>

namespace gridlock {

/// Follows the chain from `frame`, a frame pointer (the caller's saved frame pointer at [frame], the
/// return address into the caller at [frame + 8], on x86-64 and AArch64 alike), and stores up to `max`
/// return addresses in `out`, innermost first. Every link must lie above the one before it (the first
/// above `low`, an address in the calling function's own frame) and below `high`, the top of the
/// thread's stack; the walk stops at the first that does not, or at once when `high` is 0 (unknown).
/// Returns how many addresses it stored.
inline int frame_chain(std::uintptr_t frame, std::uintptr_t low, std::uintptr_t high, std::uintptr_t* out,
                       int max) noexcept {
  constexpr std::uintptr_t link_size = 2 * sizeof(std::uintptr_t);
  int n = 0;
  while (n < max && high > link_size && frame > low && frame <= high - link_size &&
         frame % sizeof(std::uintptr_t) == 0) {
    const auto* link = reinterpret_cast<const std::uintptr_t*>(frame);
    out[n++] = link[1];
    low = frame;
    frame = link[0];
  }
  return n;
}

}  // namespace gridlock

// Stack capture for the detectors: raw return addresses only, deduplicated in a process-wide depot so a
// finding refers to a stack by a small id. Symbolization happens at report time (symbolize.h).
//
// capture_stack() allocates and takes the depot's lock: call it only on slow paths (a new edge, a new
// lock, a block, a finding), never for an uncontended lock/unlock.
#pragma once

#include <cstdint>

#include "gridlock/finding.h"

namespace gridlock {

/// 0 means "no stack".
using stack_id = std::uint32_t;

/// Captures the calling thread's stack, dropping the `skip` innermost frames (this function itself is
/// always dropped), stores it in the depot and returns its id. Identical stacks share one id.
/// Safe to call from any thread; returns 0 if the depot is full (its bound is in docs/).
stack_id capture_stack(int skip = 0) noexcept;

/// Whether `return_address` lies in the unwinder's own code (libgcc_s, which backtrace() unwinds
/// with). A lock the unwinder takes (libgcc's object_mutex, around the frame tables a JIT registers
/// with __register_frame_info) is one it takes again to unwind: a stack captured for its acquisition,
/// with it held, would wait for itself.
bool unwinder_call(std::uintptr_t return_address) noexcept;

/// The addresses of a stored stack, innermost first (empty for 0 or an unknown id). Thread-safe.
raw_stack stack_of(stack_id id);

}  // namespace gridlock

// The runtime's own futex calls: inside an internal_scope, so that the interposer's syscall() hook
// (which sees a program's futex waits) passes them straight through.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include "gridlock/events.h"

namespace gridlock::detail {

/// futex(2) on a word of this process: `op` without FUTEX_PRIVATE_FLAG, which is added.
inline long futex(void* word, int op, std::uint32_t value, const timespec* timeout = nullptr,
                  std::uint32_t mask = 0) noexcept {
  const internal_scope runtime;
  return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, value, timeout, nullptr, mask);
}

}  // namespace gridlock::detail

// Whether memory is shared with other processes: a futex word or a condition variable there may be
// woken from outside (a process-shared semaphore or condition variable, a word in shm), so the wait-for
// detector must not count a wait on it as one only this process's threads could end.
#pragma once

#include <span>

namespace gridlock {

/// Whether any of `addresses` lies in a mapping that other processes may share (MAP_SHARED: shm, a
/// shared file or anonymous mapping); an address no mapping has counts as shared (it cannot tell), and
/// so does every one when /proc/self/maps cannot be read. Reads it once: for slow paths only.
bool any_in_shared_mapping(std::span<const void* const> addresses) noexcept;

}  // namespace gridlock

// Whether memory is shared with other processes: a futex word there may be woken from outside (a
// process-shared semaphore, a word in shm), so the wait-for detector must not count a wait on it as
// one only this process's threads could end.
#pragma once

namespace gridlock {

/// Whether `address` lies in a mapping that other processes may share (MAP_SHARED: shm, a shared file
/// or anonymous mapping). Also true when it cannot tell (no /proc/self/maps, or no mapping has it).
/// Reads /proc/self/maps: for slow paths only.
bool in_shared_mapping(const void* address) noexcept;

}  // namespace gridlock

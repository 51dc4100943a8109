#include "os_thread.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace gridlock::os_thread {

std::int64_t cpu_ns(std::int32_t tid) noexcept {
  // The kernel's clock id for a thread, as pthread_getcpuclockid makes it, from the tid so a dead
  // thread is no hazard: MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED).
  const auto clock = static_cast<clockid_t>((~tid << 3) | 6);
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool sleeping(std::int32_t tid) noexcept {
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

}  // namespace gridlock::os_thread

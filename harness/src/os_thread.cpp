#include "os_thread.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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

namespace {

/// /proc/self/task/<tid>/<file>, NUL-terminated in `buf`. False when it cannot be read.
bool read_task_file(std::int32_t tid, const char* file, char* buf, std::size_t size) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/%s", static_cast<int>(tid), file);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::read(fd, buf, size - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  return true;
}

/// The state letter of /proc/self/task/<tid>/stat ('R', 'S', 'D', ...), or 0 when it cannot be read.
char task_state(std::int32_t tid) noexcept {
  char buf[512];
  if (!read_task_file(tid, "stat", buf, sizeof buf)) return 0;
  const char* close_paren = std::strrchr(buf, ')');  // the name may hold spaces and parentheses
  return close_paren != nullptr && close_paren[1] == ' ' ? close_paren[2] : 0;
}

}  // namespace

std::size_t count() noexcept {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n;
}

bool listed(std::int32_t tid) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d", static_cast<int>(tid));
  return ::access(path, F_OK) == 0;
}

bool name(std::int32_t tid, char* out, std::size_t size) noexcept {
  if (!read_task_file(tid, "comm", out, size)) return false;
  out[std::strcspn(out, "\n")] = '\0';
  return true;
}

bool own_name(char* out, std::size_t size) noexcept {
  char comm[16];  // PR_GET_NAME writes up to 16 bytes, NUL included
  if (size == 0 || ::prctl(PR_GET_NAME, comm) != 0) return false;
  std::snprintf(out, size, "%s", comm);
  return true;
}

bool sleeping(std::int32_t tid) noexcept { return task_state(tid) == 'S'; }

futex_sleep asleep_on_futex(std::int32_t tid, std::uintptr_t low, std::uintptr_t high) noexcept {
  // "<number> <arg1> ...", arguments in hex, while the thread is in a system call; "running" when it is
  // not in one (runnable, or running). A thread woken from it but not yet run still shows it, so the
  // state is read too (after it: woken means state R), only when it matters.
  char call[256];
  if (!read_task_file(tid, "syscall", call, sizeof call)) return futex_sleep::unknown;
  if (std::strncmp(call, "running", 7) == 0) return futex_sleep::awake;
  char* end = nullptr;
  const long number = std::strtol(call, &end, 10);
  if (end == call || number != SYS_futex) return futex_sleep::elsewhere;
  const std::uintptr_t word = std::strtoull(end, nullptr, 16);
  if (word < low || word >= high) return futex_sleep::elsewhere;
  switch (task_state(tid)) {
    case 'S': return futex_sleep::on_word;
    case 'R': return futex_sleep::awake;
    case 0: return futex_sleep::unknown;
    default: return futex_sleep::elsewhere;
  }
}

}  // namespace gridlock::os_thread

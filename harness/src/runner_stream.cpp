#include "runner_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime_core.h"

namespace gridlock::runner_stream {
namespace {

struct destination {
  int fd = -1;
  bool checked = false;  // the runner named its pipe: write to fd only while fd is that pipe
  dev_t dev = 0;
  ino_t ino = 0;
  std::string spare;  // GRIDLOCK_STREAM_FILE; empty: none
};

destination from_environment() {
  destination d;
  const char* fd = std::getenv("GRIDLOCK_STREAM_FD");
  if (fd == nullptr) return d;
  d.fd = std::atoi(fd);
  unsigned long long dev = 0, ino = 0;
  const char* id = std::getenv("GRIDLOCK_STREAM_ID");
  if (id != nullptr && std::sscanf(id, "%llu:%llu", &dev, &ino) == 2) {
    d.checked = true;
    d.dev = static_cast<dev_t>(dev);
    d.ino = static_cast<ino_t>(ino);
  }
  if (const char* spare = std::getenv("GRIDLOCK_STREAM_FILE")) d.spare = spare;
  return d;
}

destination& current() {
  static destination* d = new destination(from_environment());  // never destroyed: exit-time findings
  return *d;
}

}  // namespace

bool enabled() noexcept { return current().fd >= 0; }

bool live() noexcept {
  const destination& d = current();
  if (d.fd < 0) return false;
  if (!d.checked) return true;
  struct stat st {};
  return ::fstat(d.fd, &st) == 0 && st.st_dev == d.dev && st.st_ino == d.ino;
}

void write_line(std::string_view line) noexcept {
  if (live()) return write_all(current().fd, line);
  const destination& d = current();
  if (d.fd < 0 || d.spare.empty()) return;
  // No O_CREAT: the runner made the file, and one it has removed (the trial is over) stays removed.
  // O_APPEND keeps each process's lines whole when several write.
  const int fd = ::open(d.spare.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return;
  write_all(fd, line);
  ::close(fd);
}

void use(int fd) noexcept {
  current() = destination{};
  current().fd = fd;
}

}  // namespace gridlock::runner_stream

#include "report_file.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace gridlock {
namespace {

/// Writes all of `content` to `fd`; false with errno set on failure.
bool write_all(int fd, const std::string& content) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

/// Closes `fd`, unlinks `tmp` if given, and returns false with the errno the failure had.
bool fail(int fd, const char* tmp) {
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (tmp != nullptr) ::unlink(tmp);
  errno = error;
  return false;
}

}  // namespace

bool write_report_file(const std::string& path, const std::string& content) {
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  // A device, pipe or terminal (/dev/stdout, a FIFO another tool reads) is written into: renaming a file
  // over it would replace the device's name, not feed it.
  if (exists && !S_ISREG(st.st_mode)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    if (!write_all(fd, content)) return fail(fd, nullptr);
    return ::close(fd) == 0;
  }
  // A symbolic link keeps pointing where it did: the file it names is the one replaced.
  char resolved[PATH_MAX];
  const std::string target = exists && ::realpath(path.c_str(), resolved) != nullptr ? resolved : path;
  const std::string tmp = target + ".tmp." + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  if (!write_all(fd, content) || ::fsync(fd) != 0) return fail(fd, tmp.c_str());
  if (::close(fd) != 0) return fail(-1, tmp.c_str());
  if (std::rename(tmp.c_str(), target.c_str()) != 0) return fail(-1, tmp.c_str());
  return true;
}

}  // namespace gridlock

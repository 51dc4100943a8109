// A child process in a process group of its own, with its stdout, stderr and finding stream on pipes the
// parent reads. Started with posix_spawn, not fork: the parent is multi-threaded (oneTBB), and nothing
// may run in a forked child before exec that could need a lock another thread held.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace gridlock::runner {

class child_process {
 public:
  /// Starts argv[0] (searched on PATH when it has no '/') with `env` and the finding stream's pipe named
  /// in GRIDLOCK_STREAM_FD (descriptor 3) and GRIDLOCK_STREAM_ID (runner_stream.h); stdin on /dev/null.
  /// Throws std::system_error if it cannot be started (no such file, not executable, ...; EINTR once the
  /// runner is interrupted).
  static child_process spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env);

  child_process() = default;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  /// Kills and reaps a child still running, so no trial outlives its runner.
  ~child_process();

  pid_t pid() const noexcept { return pid_; }
  /// Read ends (non-blocking) of the child's stdout, stderr and finding stream.
  int stdout_fd() const noexcept { return out_; }
  int stderr_fd() const noexcept { return err_; }
  int stream_fd() const noexcept { return stream_; }
  /// Becomes readable when the child ends (a pidfd); -1 where the kernel has none: poll in short ticks.
  int exit_fd() const noexcept { return pidfd_; }

  /// Whether the child has ended. It stays a zombie until reap(), which keeps its process group id
  /// from being reused by another trial before kill_group() runs.
  bool ended() const noexcept;
  /// SIGKILL to the child's whole process group: the child and whatever it started.
  void kill_group() const noexcept;
  /// Waits for the child to end and returns its wait status. Call once.
  int reap() noexcept;

  /// From now on the first SIGINT, SIGTERM or SIGHUP (where not ignored) interrupts the runner: it kills
  /// every running child's process group, no child starts after it, and interrupted() says which signal
  /// it was, so that the runner writes the reports of the trials that ended and then ends as the signal
  /// would have ended it (end_as_interrupted). The children run in groups of their own, so a Ctrl-C or
  /// a cancelled CI job would otherwise leave them running, with nobody to time them out. A second such
  /// signal ends the runner at once. Call before the first trial; idempotent.
  static void end_children_with_runner() noexcept;
  /// The signal that interrupted the runner, or 0.
  static int interrupted() noexcept;
  /// When interrupted: ends this process by that signal's default action (a shell then sees 130 for a
  /// Ctrl-C). Else returns.
  static void end_as_interrupted() noexcept;

 private:
  /// Kills and reaps the child if still running, and closes every descriptor.
  void end() noexcept;

  pid_t pid_ = -1;
  bool reaped_ = true;
  int out_ = -1;
  int err_ = -1;
  int stream_ = -1;
  int pidfd_ = -1;
};

}  // namespace gridlock::runner

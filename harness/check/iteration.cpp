#include "iteration.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "gridlock/runtime.h"
#include "gridlock/strategy.h"
#include "runner/finding_stream.h"
#include "state_request.h"
#include "runner/watchdog.h"
#include "runner_stream.h"
#include "runtime_core.h"

namespace gridlock {
namespace {

using nlohmann::json;
using steady_clock = std::chrono::steady_clock;

// The child's own lines on the finding stream, besides findings and the watchdog's (state_request.h).
constexpr const char* failure_key = "check_failure";
constexpr const char* setup_error_key = "check_setup_error";
// How often to look for the child's end where the kernel gives no pidfd.
constexpr std::chrono::milliseconds exit_tick{10};
// Longer than a hung child needs to answer, short enough not to matter next to a timeout.
constexpr std::chrono::milliseconds state_reply_wait{1000};

/// One line to the parent, on the stream run_child handed to the runtime.
void write_line(const json& j) {
  runner_stream::write_line(j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

/// The child's whole life: the body under the strategy, findings to `stream_fd`, then _exit.
[[noreturn]] void run_child(const std::function<void()>& body, const iteration_key& key, int stream_fd) {
  ::setpgid(0, 0);
  reset_findings();  // the test process's: a cycle it already reported is reported again here
  stream_findings_to(stream_fd);
  // An actual deadlock ends the iteration at once, with its findings already on the stream.
  set_deadlock_policy(deadlock_policy::exit);
  answer_state_requests();
  int code = 1;
  if (!set_strategy(key.strategy, key.seed)) {
    write_line({{setup_error_key, "unknown strategy '" + key.strategy + "'"}});
  } else {
    try {
      body();
      code = 0;
    } catch (const iteration_failure& e) {
      write_line({{failure_key, e.what()}});
    } catch (const std::exception& e) {
      write_line({{failure_key, std::string("the body threw: ") + e.what()}});
    } catch (...) {
      write_line({{failure_key, "the body threw an exception not derived from std::exception"}});
    }
  }
  std::fflush(nullptr);
  ::_exit(code);  // not exit(): the test process's atexit handlers and static destructors are not ours
}

/// The forked child, seen from the parent. Killed with its process group and reaped when it goes out of
/// scope, so no iteration outlives check().
class forked_child {
 public:
  forked_child(pid_t pid, int stream_fd)
      // The raw system call: glibc 2.36's <sys/pidfd.h> lacks extern "C". -1 before Linux 5.3.
      : pid_(pid), pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))), stream_fd_(stream_fd) {
    // Also here, not only in the child: kill_group() must reach the group even before the child runs.
    ::setpgid(pid, pid);
  }
  forked_child(const forked_child&) = delete;
  forked_child& operator=(const forked_child&) = delete;
  ~forked_child() {
    if (!reaped_) {
      kill_group();
      reap();
    }
    for (int fd : {pidfd_, stream_fd_})
      if (fd >= 0) ::close(fd);
  }

  pid_t pid() const noexcept { return pid_; }

  /// Whether it has ended. It stays a zombie until reap(), which keeps its process group id from being
  /// reused before kill_group().
  bool ended() const noexcept {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
  }
  /// SIGKILL to the child and whatever it started.
  void kill_group() const noexcept { ::killpg(pid_, SIGKILL); }
  int reap() noexcept {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

  /// Waits until the child writes or ends, or `until`; then reads whatever it wrote.
  void wait(steady_clock::time_point until) {
    pollfd polled[2];
    nfds_t n = 0;
    if (stream_fd_ >= 0) polled[n++] = {stream_fd_, POLLIN, 0};
    if (pidfd_ >= 0) polled[n++] = {pidfd_, POLLIN, 0};
    auto left = std::chrono::ceil<std::chrono::milliseconds>(until - steady_clock::now());
    if (pidfd_ < 0) left = std::min(left, exit_tick);
    if (left.count() > 0) ::poll(polled, n, static_cast<int>(left.count()));
    drain();
  }

  /// Reads what the child wrote so far, without blocking.
  void drain() {
    char buf[65536];
    while (stream_fd_ >= 0) {
      const ssize_t n = ::read(stream_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) {  // end of file: the child (and all it started) closed it; or an error, which ends it too
        ::close(stream_fd_);
        stream_fd_ = -1;
        return;
      }
      stream_.feed(buf, static_cast<std::size_t>(n));
    }
  }

  /// Asks each of `processes` that announced it answers for its own view of its threads (state_request.h).
  std::map<pid_t, json> ask_states(const std::vector<pid_t>& processes) {
    return runner::ask_states(stream_, processes, state_reply_wait, [this](steady_clock::time_point until) {
      wait(until);
      return stream_fd_ >= 0;
    });
  }

  std::vector<json>& findings() noexcept { return stream_.findings; }
  std::string failure;
  bool setup_failed = false;

 private:
  /// The outcome lines a forked iteration writes besides findings (check.cpp).
  bool on_outcome_line(const json& j) {
    if (const auto f = j.find(failure_key); f != j.end() && f->is_string()) {
      failure = f->get<std::string>();
      return true;
    }
    if (const auto e = j.find(setup_error_key); e != j.end() && e->is_string()) {
      failure = e->get<std::string>();
      setup_failed = true;
      return true;
    }
    return false;
  }

  pid_t pid_;
  bool reaped_ = false;
  int pidfd_;
  int stream_fd_;  // non-blocking read end; -1 once at end of file
  runner::finding_stream stream_{[this](const json& j) { return on_outcome_line(j); }};
};

check_outcome classify(const iteration_result& r, bool timed_out, bool setup_failed) {
  if (timed_out) return check_outcome::timeout;
  if (r.signal) return check_outcome::crash;
  if (setup_failed) return check_outcome::error;
  if (!r.findings.empty()) return check_outcome::finding;
  if (!r.failure.empty() || r.exit_code.value_or(0) != 0) return check_outcome::failed;
  return check_outcome::passed;
}

iteration_result no_child(const char* what) {
  iteration_result r;
  r.outcome = check_outcome::error;
  r.failure = std::string(what) + ": " + std::strerror(errno);
  return r;
}

}  // namespace

iteration_result run_iteration(const std::function<void()>& body, const iteration_key& key,
                               std::chrono::milliseconds timeout) {
  int fds[2];
  // Close-on-exec: a program the body execs must not hold the stream open. The child keeps it (no exec).
  if (::pipe2(fds, O_CLOEXEC) != 0) return no_child("cannot make a pipe");
  // What the test printed so far must not be printed again when the child flushes its copy.
  std::fflush(nullptr);
  const steady_clock::time_point start = steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    run_child(body, key, fds[1]);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return no_child("cannot fork");
  }
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  forked_child child(pid, fds[0]);

  const steady_clock::time_point deadline = start + timeout;
  bool timed_out = false;
  while (!child.ended()) {
    if (steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    child.wait(deadline);
  }
  std::vector<runner::thread_snapshot> threads;
  std::map<pid_t, json> states;
  if (timed_out) {
    threads = runner::snapshot_threads(child.pid());
    states = child.ask_states(runner::live_processes(threads));
  }
  // Also when it ended by itself: whatever it started must not outlive the iteration.
  child.kill_group();
  const int status = child.reap();
  child.drain();

  iteration_result r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.findings = std::move(child.findings());
  r.failure = std::move(child.failure);
  r.outcome = classify(r, timed_out, child.setup_failed);
  if (timed_out) r.findings.push_back(runner::timeout_finding(threads, states, timeout));
  return r;
}

}  // namespace gridlock

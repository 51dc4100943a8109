#include "runner/trial.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "googletest_tests.h"
#include "injectors/schedule.h"
#include "runner/child_process.h"
#include "runner/finding_stream.h"
#include "runner/started_tests.h"
#include "state_request.h"
#include "runner/watchdog.h"

extern char** environ;

namespace gridlock::runner {
namespace {

using nlohmann::json;
using steady_clock = std::chrono::steady_clock;

constexpr std::size_t tail_bytes = 4096;
// Longer than a hung child needs to answer, short enough not to matter next to a timeout.
constexpr std::chrono::milliseconds state_reply_wait{1000};
// How often to look for the child's end where the kernel gives no pidfd.
constexpr std::chrono::milliseconds exit_tick{10};

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("/proc/self/exe");
}

/// Scenarios run in a fresh copy of the gridlock binary itself (cmd_trial.cpp).
std::vector<std::string> command_line(const trial_spec& spec) {
  if (spec.kind == trial_kind::program) return spec.argv;
  return {self_exe(), "__trial", "--scenario", spec.name, "--seed", std::to_string(spec.seed)};
}

/// A file of the runner's own that the child may write (its path goes in the child's environment): read
/// once the child has ended however it ended, then removed. Empty path when not wanted or not made.
/// A root runner's is writable by every user (readable by root only): a daemon it starts may drop to
/// another user and must still be able to append to it. Another runner's children cannot change
/// user, and its file stays its own.
class child_file {
 public:
  explicit child_file(bool wanted = true) {
    if (!wanted) return;
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/gridlock-trial-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0) return;  // the trial runs all the same, without what the file was for
    if (::geteuid() == 0) ::fchmod(fd, 0622);
    ::close(fd);
    path_ = std::move(path);
  }
  ~child_file() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  child_file(const child_file&) = delete;
  child_file& operator=(const child_file&) = delete;

  const std::string& path() const noexcept { return path_; }
  std::string read() const {
    if (path_.empty()) return {};
    std::ifstream in(path_, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  std::string path_;
};

/// What the child wrote to its schedule file, if it is a schedule (a child that never got to write one
/// wrote nothing).
std::string schedule_text(const child_file& file) {
  try {
    return inject::schedule::parse(file.read()).text();
  } catch (const std::invalid_argument&) {
    return {};
  }
}

/// Ours, minus the variables the runner owns: a GRIDLOCK_JSON the user set would have every trial write
/// the same file, and the runner relies on a deadlock ending the child with deadlock_exit_code.
/// `schedule`: where a controlled trial writes its schedule as it makes it. `spill`: where a process of the
/// trial whose stream descriptor is no longer the runner's pipe writes its stream lines (runner_stream.h).
std::vector<std::string> child_environment(const trial_spec& spec, const child_file& schedule,
                                           const child_file& spill) {
  static constexpr std::array<std::string_view, 12> owned = {
      "GRIDLOCK_STREAM_FD=",   "GRIDLOCK_STREAM_ID=",   "GRIDLOCK_STREAM_FILE=",  "GRIDLOCK_SEED=",
      "GRIDLOCK_STRATEGY=",    "GRIDLOCK_PCT_DEPTH=",   "GRIDLOCK_SCHEDULE=",     "GRIDLOCK_SCHEDULE_OUT=",
      "GRIDLOCK_JSON=",        "GRIDLOCK_JSON_STARTED=", "GRIDLOCK_ON_DEADLOCK=", "GRIDLOCK_CONFIRM="};
  std::vector<std::string> env;
  std::string preload = spec.preload;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (!spec.preload.empty() && entry.starts_with("LD_PRELOAD=")) {
      // Ours first, the user's after it: both stay loaded.
      preload += ":" + std::string(entry.substr(std::string_view("LD_PRELOAD=").size()));
      continue;
    }
    if (std::none_of(owned.begin(), owned.end(), [&](std::string_view o) { return entry.starts_with(o); }))
      env.emplace_back(entry);
  }
  if (!preload.empty()) env.push_back("LD_PRELOAD=" + preload);
  if (!spill.path().empty()) env.push_back("GRIDLOCK_STREAM_FILE=" + spill.path());
  env.push_back("GRIDLOCK_SEED=" + std::to_string(spec.seed));
  env.push_back("GRIDLOCK_STRATEGY=" + spec.strategy);
  env.push_back("GRIDLOCK_PCT_DEPTH=" + std::to_string(spec.pct_depth));
  if (!spec.schedule.empty()) env.push_back("GRIDLOCK_SCHEDULE=" + spec.schedule);
  if (!schedule.path().empty()) env.push_back("GRIDLOCK_SCHEDULE_OUT=" + schedule.path());
  if (!spec.confirm.empty()) env.push_back("GRIDLOCK_CONFIRM=" + spec.confirm);
  env.push_back("GRIDLOCK_ON_DEADLOCK=exit");
  return env;
}

/// One of the child's outputs (stdout or stderr) as the parent reads it: its tail, for the report, and
/// where the run keeps it, all of it (up to max_kept_output) in a file.
class child_output_copy {
 public:
  /// `path` empty: the tail only.
  explicit child_output_copy(std::string path) : path_(std::move(path)) {
    if (!path_.empty()) fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  ~child_output_copy() {
    if (fd_ >= 0) ::close(fd_);
  }
  child_output_copy(const child_output_copy&) = delete;
  child_output_copy& operator=(const child_output_copy&) = delete;

  std::string tail;

  void add(const char* data, std::size_t n) {
    tail.append(data, n);
    if (tail.size() > tail_bytes) tail.erase(0, tail.size() - tail_bytes);
    if (fd_ < 0 || cut_) return;
    const std::size_t room = max_kept_output - written_;
    write_all(data, std::min(n, room));
    if (n > room) {  // its reader must not take the file for all there was
      cut_ = true;
      constexpr std::string_view note = "\n[gridlock: the rest of this output was not kept: 64 MiB at most]\n";
      write_all(note.data(), note.size());
    }
  }

  void write_all(const char* data, std::size_t n) {
    for (std::size_t done = 0; done < n;) {
      const ssize_t w = ::write(fd_, data + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;  // a full disk: the report keeps the tail all the same
      done += static_cast<std::size_t>(w);
      written_ += static_cast<std::size_t>(w);
    }
  }

  /// Closes the file. Keeps it when `keep` and the child wrote anything, and returns its path; removes
  /// it and returns "" otherwise.
  std::string finish(bool keep) {
    if (fd_ < 0) return {};
    ::close(fd_);
    fd_ = -1;
    if (keep && written_ > 0) return path_;
    ::unlink(path_.c_str());
    return {};
  }

 private:
  static constexpr std::size_t max_kept_output = std::size_t{64} << 20;
  std::string path_;
  int fd_ = -1;
  std::size_t written_ = 0;
  bool cut_ = false;  // past max_kept_output: the note is written, nothing more
};

/// Everything the parent reads from one running child: the finding stream line by line, the tails
/// of stdout and stderr, and the tests a GoogleTest binary starts.
class child_output {
 public:
  /// `kept`: trial_spec::output_file.
  child_output(const child_process& child, const std::string& kept)
      : out(kept.empty() ? "" : kept + ".stdout"),
        err(kept.empty() ? "" : kept + ".stderr"),
        fds_{child.stream_fd(), child.stdout_fd(), child.stderr_fd()},
        exit_fd_(child.exit_fd()) {}

  finding_stream stream;
  child_output_copy out;
  child_output_copy err;
  started_tests tests;

  /// Waits until the child writes or ends, or `until`; then reads whatever is there.
  void wait(steady_clock::time_point until) {
    std::vector<pollfd> polled;
    for (int fd : fds_)
      if (fd >= 0) polled.push_back({fd, POLLIN, 0});
    if (exit_fd_ >= 0) polled.push_back({exit_fd_, POLLIN, 0});
    auto left = std::chrono::ceil<std::chrono::milliseconds>(until - steady_clock::now());
    if (exit_fd_ < 0) left = std::min(left, exit_tick);
    if (left.count() > 0) ::poll(polled.data(), polled.size(), static_cast<int>(left.count()));
    drain();
  }

  /// Reads whatever is available now, without blocking.
  void drain() {
    for (std::size_t i = 0; i < fds_.size(); ++i) read_available(i);
  }

  /// Asks each of `processes` that announced it answers for its own view of its threads (state_request.h).
  std::map<pid_t, json> ask_states(const std::vector<pid_t>& processes) {
    return runner::ask_states(stream, processes, state_reply_wait, [this](steady_clock::time_point until) {
      wait(until);
      return fds_[0] >= 0;
    });
  }

 private:
  void read_available(std::size_t i) {
    char buf[65536];
    while (fds_[i] >= 0) {
      const ssize_t n = ::read(fds_[i], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        if (i == 0 && !stream.mid_line()) tests.stream_read_to_end();
        return;
      }
      if (n <= 0) {
        fds_[i] = -1;  // end of file (or an error, which ends it too); the child_process closes it
        return;
      }
      const auto size = static_cast<std::size_t>(n);
      if (i == 0) {
        const std::size_t had = stream.findings.size();
        stream.feed(buf, size);
        if (stream.findings.size() > had) note_running_tests(had);
      } else {
        (i == 1 ? out : err).add(buf, size);
        if (i == 1) tests.feed(buf, size);
      }
    }
  }

  /// Adds to each finding from `first` on the tests that may have been running when it was made.
  void note_running_tests(std::size_t first) {
    read_available(1);
    const json running = tests.running_at_finding();
    if (running.empty()) return;
    for (std::size_t k = first; k < stream.findings.size(); ++k)
      stream.findings[k][std::string(googletest_running_key)] = running;
  }

  std::array<int, 3> fds_;  // stream, stdout, stderr; -1 once at end of file
  int exit_fd_;
};

outcome classify(const trial_result& r, bool timed_out) {
  if (timed_out) return outcome::timeout;
  if (r.signal) return outcome::crash;
  if (!r.findings.empty()) return outcome::finding;
  return r.exit_code.value_or(0) != 0 ? outcome::failed : outcome::clean;
}

}  // namespace

std::string_view to_string(trial_kind kind) noexcept { return kind == trial_kind::scenario ? "scenario" : "program"; }

std::string_view to_string(outcome o) noexcept {
  switch (o) {
    case outcome::timeout: return "timeout";
    case outcome::crash: return "crash";
    case outcome::finding: return "finding";
    case outcome::failed: return "failed";
    case outcome::clean: break;
  }
  return "clean";
}

trial_result run_trial(const trial_spec& spec) {
  trial_result r;
  r.spec = spec;
  const steady_clock::time_point start = steady_clock::now();
  const child_file schedule(spec.strategy == "controlled");
  const child_file spill;
  child_process child;
  try {
    child = child_process::spawn(command_line(spec), child_environment(spec, schedule, spill));
  } catch (const std::system_error& e) {
    r.interrupted = e.code().value() == EINTR;
    r.outcome = outcome::failed;
    r.exit_code = 127;
    r.stderr_tail = std::string("gridlock: ") + e.what() + "\n";
    return r;
  }

  child_output io(child, spec.output_file);
  const steady_clock::time_point deadline = start + spec.timeout;
  bool timed_out = false;
  while (!child.ended()) {
    if (steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    io.wait(deadline);
  }
  std::vector<thread_snapshot> threads;
  std::map<pid_t, json> states;
  if (timed_out) {
    threads = snapshot_threads(child.pid());
    states = io.ask_states(live_processes(threads));
  }
  // Also when it ended by itself: whatever it started must not outlive the trial.
  child.kill_group();
  const int status = child.reap();
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start).count();
  io.drain();
  finding_stream spilled;  // after the pipe's lines, and apart: the pipe may end mid-line
  const std::string spilled_text = spill.read();
  spilled.feed(spilled_text.data(), spilled_text.size());
  // A process that closed the pipe's descriptor (a daemon closes every one) answers the state request
  // into the file.
  for (const auto& [pid, state] : spilled.states()) states.try_emplace(pid, state);

  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  // The runner's interruption killed it (or it ended meanwhile, by a kill of its own: no telling).
  r.interrupted = !timed_out && r.signal == SIGKILL && child_process::interrupted() != 0;
  r.findings = std::move(io.stream.findings);
  for (json& f : spilled.findings) r.findings.push_back(std::move(f));
  // The child's own: a process it forked may crash on purpose (a GoogleTest death test).
  if (r.signal)
    for (std::vector<json>* crashes : {&io.stream.crashes, &spilled.crashes})
      for (json& crash : *crashes)
        if (r.crash.is_null() && crash.value("pid", 0) == child.pid()) r.crash = std::move(crash);
  r.outcome = classify(r, timed_out);
  // The interposer says so as it starts in a process: where the program's never did (ld.so refused
  // the library; a set-user-ID program), nothing of the run was checked, and it is no clean run.
  if (!spec.preload.empty() && (r.outcome == outcome::clean || r.outcome == outcome::failed) &&
      !io.stream.preloaded().contains(child.pid()) && !spilled.preloaded().contains(child.pid())) {
    r.outcome = outcome::failed;
    io.err.tail += "gridlock: the interposer was not loaded into the program (its stderr may say why): "
                   "nothing in this run was checked\n";
  }
  if (timed_out) {
    r.findings.push_back(timeout_finding(threads, states, spec.timeout));
    // A GoogleTest binary that hangs hangs in the last test it started, if in one.
    if (const std::string* last = io.tests.last())
      r.findings.back()[std::string(googletest_running_key)] = json::array({*last});
  }
  r.stdout_tail = std::move(io.out.tail);
  r.stderr_tail = std::move(io.err.tail);
  // A clean run's output is seldom wanted; the runs that need a look keep theirs.
  r.stdout_file = io.out.finish(r.outcome != outcome::clean);
  r.stderr_file = io.err.finish(r.outcome != outcome::clean);
  r.schedule = schedule_text(schedule);
  return r;
}

}  // namespace gridlock::runner

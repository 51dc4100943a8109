#include "runner/child_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

namespace gridlock::runner {
namespace {

constexpr int child_stream_fd = 3;

/// The process groups of the running children, for the signal handler: slots of 0 are free.
constexpr int max_running = 1024;
std::atomic<pid_t> g_running[max_running];

void note_running(pid_t pid) noexcept {
  for (std::atomic<pid_t>& slot : g_running) {
    pid_t free = 0;
    if (slot.compare_exchange_strong(free, pid)) return;
  }
}

void note_reaped(pid_t pid) noexcept {
  for (std::atomic<pid_t>& slot : g_running) {
    pid_t was = pid;
    if (slot.compare_exchange_strong(was, 0)) return;
  }
}

/// Spawns under way (spawn(): from before the child starts until it is noted running).
std::atomic<int> g_spawning{0};

/// The signals that interrupt the runner and end its children (end_children_with_runner), and which of
/// them it handles (not those a background job ignores).
constexpr int ending_signals[] = {SIGINT, SIGTERM, SIGHUP};
bool g_handles[std::size(ending_signals)] = {};

/// The signal that interrupted the runner, or 0 (child_process::interrupted).
std::atomic<int> g_interrupted{0};

/// Async-signal-safe: sigaction() and kill(). The next ending signal takes its default action. A child
/// another thread is spawning is waited for: it may already run, and only once noted can it be killed;
/// a spawn that starts later sees g_interrupted first (both sequentially consistent).
extern "C" void interrupt_children(int sig) {
  int none = 0;
  g_interrupted.compare_exchange_strong(none, sig);
  struct sigaction by_default{};
  by_default.sa_handler = SIG_DFL;
  sigemptyset(&by_default.sa_mask);
  for (std::size_t i = 0; i < std::size(ending_signals); ++i)
    if (g_handles[i]) ::sigaction(ending_signals[i], &by_default, nullptr);
  while (g_spawning.load() > 0) ::sched_yield();
  for (std::atomic<pid_t>& slot : g_running)
    if (const pid_t pid = slot.load(); pid > 0) ::killpg(pid, SIGKILL);
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// The parent's copy of a pipe's write end, closed once the child has its own: only the child may hold
// it, so that end of file means the child (and whatever it started) closed it.
struct write_end {
  int fd = -1;
  ~write_end() { close_fd(fd); }
};

// Both ends close-on-exec: another thread's posix_spawn must not inherit them. posix_spawn's dup2 onto
// the child's own numbers clears the flag on those copies only. The read end is non-blocking.
void make_pipe(int& read_end, write_end& write) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  read_end = fds[0];
  write.fd = fds[1];
}

// Owns the posix_spawn attribute objects for the duration of one spawn.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

/// The variables that tell the child's runtime which descriptor is its stream, and which pipe that must
/// be for a line to go there (a program may reuse the number).
std::vector<std::string> stream_variables(const write_end& stream) {
  struct stat st {};
  if (::fstat(stream.fd, &st) != 0) throw std::system_error(errno, std::generic_category(), "fstat");
  return {"GRIDLOCK_STREAM_FD=" + std::to_string(child_stream_fd),
          "GRIDLOCK_STREAM_ID=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)};
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

child_process child_process::spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  if (argv.empty()) throw std::system_error(EINVAL, std::generic_category(), "empty command line");
  child_process child;  // owns the read ends from here on, so a throw closes them
  write_end out, err, stream;
  make_pipe(child.out_, out);
  make_pipe(child.err_, err);
  make_pipe(child.stream_, stream);

  spawn_setup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.fd, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, stream.fd, child_stream_fd);
  // Its own process group, so a timeout kills everything it started; default signal dispositions and an
  // empty mask whatever the runner's threads have.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);

  std::vector<std::string> full_env = env;
  for (std::string& v : stream_variables(stream)) full_env.push_back(std::move(v));
  std::vector<char*> args = c_strings(argv), envp = c_strings(full_env);
  // Until its child is noted, this thread holds off the ending signals (a handler on another thread
  // waits for it): a cancelled CI job's SIGTERM that came in between left the child running.
  sigset_t ending, mask;
  sigemptyset(&ending);
  for (const int sig : ending_signals) sigaddset(&ending, sig);
  ::pthread_sigmask(SIG_BLOCK, &ending, &mask);
  ++g_spawning;
  const int rc = g_interrupted.load() != 0
                     ? EINTR
                     : ::posix_spawnp(&child.pid_, args[0], &setup.actions, &setup.attr, args.data(), envp.data());
  if (rc == 0) note_running(child.pid_);
  --g_spawning;
  ::pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  if (rc != 0) {
    child.pid_ = -1;
    throw std::system_error(rc, std::generic_category(), rc == EINTR ? "interrupted" : "cannot run " + argv[0]);
  }
  child.reaped_ = false;
  // The raw system call: glibc 2.36's <sys/pidfd.h> lacks extern "C". -1 on kernels before 5.3: the
  // caller then looks in short ticks instead.
  child.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, child.pid_, 0));
  return child;
}

child_process::child_process(child_process&& other) noexcept { *this = std::move(other); }

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this == &other) return *this;
  end();
  pid_ = std::exchange(other.pid_, -1);
  reaped_ = std::exchange(other.reaped_, true);
  out_ = std::exchange(other.out_, -1);
  err_ = std::exchange(other.err_, -1);
  stream_ = std::exchange(other.stream_, -1);
  pidfd_ = std::exchange(other.pidfd_, -1);
  return *this;
}

child_process::~child_process() { end(); }

void child_process::end_children_with_runner() noexcept {
  for (std::size_t i = 0; i < std::size(ending_signals); ++i) {
    struct sigaction old{};
    // A background job's ignored signals stay ignored.
    if (::sigaction(ending_signals[i], nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
    struct sigaction on{};
    on.sa_handler = interrupt_children;
    sigemptyset(&on.sa_mask);
    g_handles[i] = true;
    ::sigaction(ending_signals[i], &on, nullptr);
  }
}

int child_process::interrupted() noexcept { return g_interrupted.load(); }

void child_process::end_as_interrupted() noexcept {
  const int sig = g_interrupted.load();
  if (sig == 0) return;
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void child_process::end() noexcept {
  if (!reaped_) {
    kill_group();
    reap();
  }
  for (int* fd : {&out_, &err_, &stream_, &pidfd_}) close_fd(*fd);
}

bool child_process::ended() const noexcept {
  if (reaped_) return true;
  siginfo_t info{};
  // WNOWAIT: look without reaping (see the header).
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
}

void child_process::kill_group() const noexcept {
  if (!reaped_ && pid_ > 0) ::killpg(pid_, SIGKILL);
}

int child_process::reap() noexcept {
  int status = 0;
  if (reaped_) return status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  note_reaped(pid_);
  reaped_ = true;
  return status;
}

}  // namespace gridlock::runner

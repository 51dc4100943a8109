// Where findings go: the in-process list (tests read it), the runner's stream (one JSON line per finding,
// written before anything else can go wrong; runner_stream.h), stderr (text, when not run as a
// trial), and GRIDLOCK_JSON at exit. Then the deadlock policy for fatal kinds.
#include <errno.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "finding_json.h"
#include "finding_text.h"
#include "gridlock/runtime.h"
#include "internal_lock.h"
#include "lock_order_detector.h"
#include "report_file.h"
#include "runner_stream.h"
#include "os_thread.h"
#include "runtime_core.h"

namespace gridlock {
namespace {

struct reporter_state {
  internal_lock mu;
  std::vector<finding> all;
  std::vector<nlohmann::json> symbolized_all;  // all[i] symbolized, or null until needed; under write_mu
  symbolizer sym;                              // keeps modules open across findings; under write_mu
  std::set<std::string> keys;
  internal_lock write_mu;  // one finding's output at a time
  bool quiet = false;
  const char* json_path = nullptr;
  bool json_failure_said = false;  // under write_mu
  std::atomic<deadlock_policy> policy{deadlock_policy::exit};
};

deadlock_policy policy_from_env() {
  const char* p = std::getenv("GRIDLOCK_ON_DEADLOCK");
  if (p != nullptr && std::strcmp(p, "throw") == 0) return deadlock_policy::throw_;
  if (p != nullptr && std::strcmp(p, "report") == 0) return deadlock_policy::report;
  return deadlock_policy::exit;
}

void write_json_file(reporter_state& s);
void start_json_file(reporter_state& s);

reporter_state& state() {
  static reporter_state* s = [] {
    auto* st = new reporter_state;  // never destroyed: findings may come during static destruction
    st->quiet = runner_stream::enabled() || std::getenv("GRIDLOCK_QUIET") != nullptr;
    st->json_path = std::getenv("GRIDLOCK_JSON");
    st->policy.store(policy_from_env());
    if (st->json_path != nullptr) {
      start_json_file(*st);
      std::atexit([] {
        reporter_state& s = state();
        const std::lock_guard<internal_lock> hold(s.write_mu);
        s.mu.lock();
        const bool any = !s.all.empty();
        s.mu.unlock();
        if (any) write_json_file(s);  // a clean process leaves what the run's others wrote
      });
    }
    return st;
  }();
  return *s;
}

/// The reporter starts with the process where GRIDLOCK_JSON is set (start_json_file sets a variable,
/// which only a process that is still single-threaded may do), not at its first finding.
[[maybe_unused]] const bool started_with_process = std::getenv("GRIDLOCK_JSON") != nullptr && (state(), true);

nlohmann::json symbolized(const finding& f, symbolizer& sym) {
  nlohmann::json j = encode_finding(f);
  try {
    symbolize_finding(j, sym);
    add_fingerprint(j);
  } catch (const std::exception&) {
    // A fault of ours in reading the stacks must not lose the finding, nor leave the reports' lock
    // held (the process would hang at exit): it is reported with its frames located, unsymbolized.
    j = encode_finding(f);
  }
  return j;
}

/// all[i] symbolized, once: the stderr text and the JSON file share it. Call under write_mu.
const nlohmann::json& symbolized_at(reporter_state& s, std::size_t i) {
  s.mu.lock();
  const finding f = s.all[i];
  s.mu.unlock();
  if (s.symbolized_all.size() <= i) s.symbolized_all.resize(i + 1);
  if (s.symbolized_all[i].is_null()) s.symbolized_all[i] = symbolized(f, s.sym);
  return s.symbolized_all[i];
}

/// Call under write_mu.
void write_json_file(reporter_state& s) {
  if (s.json_path == nullptr) return;
  internal_scope scope;
  s.mu.lock();
  const std::size_t n = s.all.size();
  s.mu.unlock();
  nlohmann::json doc = {{"tool", "gridlock"}, {"version", GRIDLOCK_VERSION}, {"findings", nlohmann::json::array()}};
  for (std::size_t i = 0; i < n; ++i) doc["findings"].push_back(symbolized_at(s, i));
  // Said even when quiet (a file that silently never appears reads as a clean run), and once: the
  // start and the exit both write.
  if (!write_report_file(s.json_path, doc.dump(2) + "\n") && !std::exchange(s.json_failure_said, true))
    write_all(STDERR_FILENO, std::string("gridlock: cannot write GRIDLOCK_JSON '") + s.json_path + "': " + std::strerror(errno) + "\n");
}

/// The first process of a run writes its GRIDLOCK_JSON at once, with no findings, so that a file an
/// earlier run left is never read as this run's. Its children (forked, or programs it starts) inherit
/// GRIDLOCK_JSON_STARTED, the file's name, and leave the file alone: one of them that starts after
/// another has written findings must not wipe them.
void start_json_file(reporter_state& s) {
  const char* started = std::getenv("GRIDLOCK_JSON_STARTED");
  if (started != nullptr && std::strcmp(started, s.json_path) == 0) return;
  {
    const std::lock_guard<internal_lock> hold(s.write_mu);
    write_json_file(s);
  }
  setenv("GRIDLOCK_JSON_STARTED", s.json_path, 1);
}

}  // namespace

finding_error::finding_error(const finding& f) : std::runtime_error(f.message), finding_(f) {}

void set_deadlock_policy(deadlock_policy policy) noexcept { state().policy.store(policy); }
deadlock_policy current_deadlock_policy() noexcept { return state().policy.load(); }

std::vector<finding> findings() {
  reporter_state& s = state();
  s.mu.lock();
  std::vector<finding> copy = s.all;
  s.mu.unlock();
  return copy;
}

void reset_findings() {
  reporter_state& s = state();
  const std::lock_guard<internal_lock> hold(s.write_mu);
  s.mu.lock();
  s.all.clear();
  s.keys.clear();
  s.symbolized_all.clear();
  s.mu.unlock();
  lock_order::reset_reported();
}

void stream_findings_to(int fd) noexcept {
  reporter_state& s = state();
  const std::lock_guard<internal_lock> hold(s.write_mu);
  runner_stream::use(fd);
  s.quiet = true;
  s.json_path = nullptr;  // the parent's file: a policy exit here must not overwrite it
}

void report(finding f, const std::string& dedupe_key) {
  internal_scope scope;
  reporter_state& s = state();
  s.mu.lock();
  const bool fresh = dedupe_key.empty() || s.keys.insert(dedupe_key).second;
  if (fresh) s.all.push_back(f);
  const std::size_t index = s.all.size() - 1;
  s.mu.unlock();
  if (!fresh) return;

  {
    const std::lock_guard<internal_lock> hold(s.write_mu);
    if (runner_stream::enabled()) runner_stream::write_line(encode_finding(f).dump() + "\n");
    if (!s.quiet) write_all(STDERR_FILENO, render_text(symbolized_at(s, index)));
  }

  if (!is_fatal(f.kind)) return;
  switch (s.policy.load()) {
    case deadlock_policy::exit:
      s.write_mu.lock();  // held to the end: no other finding's output may start after the flush
      write_json_file(s);
      std::fflush(nullptr);
      _exit(deadlock_exit_code);
    case deadlock_policy::throw_:
      throw finding_error(f);
    case deadlock_policy::report:
      return;
  }
}

lock_info describe(const lock_record& lock) {
  lock_info l;
  l.id = lock.id;
  l.name = lock.name;
  l.type = lock.type_name;
  l.address = reinterpret_cast<std::uintptr_t>(lock.address);
  l.created = stack_of(lock.created_at);
  return l;
}

namespace {

/// The name the thread was registered with, else the kernel's for it now (a name given after it
/// started: pthread_setname_np in its body or by its creator, as GLib's threads and many pools do),
/// unless that is the inherited process name.
std::string thread_name(const thread_record& thread) {
  if (thread.name[0] != '\0') return thread.name;
  char now[32];
  if (!thread.alive.load(std::memory_order_acquire)) return "";
  const bool read = &thread == threads::current ? os_thread::own_name(now, sizeof now)
                                                 : os_thread::name(thread.tid, now, sizeof now);
  if (!read || inherited_name(now))
    return "";
  return now;
}

}  // namespace

thread_info describe(const thread_record& thread) {
  return thread_info{thread.id, thread.tid, thread_name(thread),
                     thread.started_at != 0 ? stack_of(thread.started_at) : raw_stack{}};
}

std::string label(const lock_record& lock) {
  return lock.name[0] ? std::string(lock.name) : std::string(lock.type_name) + "#" + std::to_string(lock.id);
}

std::string label(const thread_record& thread) {
  std::string s = "thread " + std::to_string(thread.id);
  const std::string name = thread_name(thread);
  return name.empty() ? s : s + " (" + name + ")";
}

const char* program_short_name() noexcept { return program_invocation_short_name; }

bool inherited_name(const char* name) noexcept { return std::strncmp(name, program_short_name(), 15) == 0; }

void write_all(int fd, std::string_view text) noexcept {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed reader or a full disk: nothing better to do from inside the runtime
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace gridlock

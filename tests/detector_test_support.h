// Shared helpers for the detector suites (lock_order_test, wait_for_test, misuse_test, primitives_test):
// a fixture that starts every case clean under deadlock_policy::throw_, lookups into findings, a way to
// run a body in a named gridlock::thread, and a bounded wait until a thread is blocked in a wait the
// detectors know about (so a test can choose which thread closes a deadlock without sleeping blindly).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gridlock/gridlock.h"
#include "thread_record.h"  // internal: thread_record::blocked(), for wait_until_blocked

namespace gridlock::test {

/// The findings' text on stderr is symbolized, which costs far more than the tests themselves; a
/// failing assertion prints each finding's kind and message (summary()) anyway. Set before the runtime
/// first reads its settings (lazily, in the first test). GRIDLOCK_TEST_VERBOSE=1 keeps the text.
inline const bool quiet_reports = [] {
  if (std::getenv("GRIDLOCK_TEST_VERBOSE") != nullptr) return false;
  return ::setenv("GRIDLOCK_QUIET", "1", 0) == 0;
}();

/// Every case starts with no findings, no remembered cycles and the throw_ policy: a fatal finding
/// throws finding_error in the thread that closes it instead of ending the test binary.
class DetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_deadlock_policy(deadlock_policy::throw_);
    reset_findings();
  }
  void TearDown() override { set_deadlock_policy(deadlock_policy::throw_); }
};

/// One line per finding, for failure messages.
inline std::string summary(const std::vector<finding>& fs) {
  std::string s;
  for (const finding& f : fs) s += "  " + std::string(to_string(f.kind)) + ": " + f.message + "\n";
  return s.empty() ? "  (no findings)\n" : s;
}
inline std::string summary() { return summary(findings()); }

inline std::vector<finding> of_kind(const std::vector<finding>& fs, finding_kind kind) {
  std::vector<finding> out;
  for (const finding& f : fs)
    if (f.kind == kind) out.push_back(f);
  return out;
}
inline std::vector<finding> of_kind(finding_kind kind) { return of_kind(findings(), kind); }

inline const lock_info* lock_named(const finding& f, std::string_view name) {
  for (const lock_info& l : f.locks)
    if (l.name == name) return &l;
  return nullptr;
}
inline const lock_info* lock_by_id(const finding& f, std::uint64_t id) {
  for (const lock_info& l : f.locks)
    if (l.id == id) return &l;
  return nullptr;
}
inline const thread_info* thread_named(const finding& f, std::string_view name) {
  for (const thread_info& t : f.threads)
    if (t.name == name) return &t;
  return nullptr;
}
inline const thread_info* thread_by_id(const finding& f, std::uint32_t id) {
  for (const thread_info& t : f.threads)
    if (t.id == id) return &t;
  return nullptr;
}

/// The names of the finding's locks / threads, sorted.
inline std::vector<std::string> lock_names(const finding& f) {
  std::vector<std::string> names;
  for (const lock_info& l : f.locks) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  return names;
}
inline std::vector<std::string> thread_names(const finding& f) {
  std::vector<std::string> names;
  for (const thread_info& t : f.threads) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  return names;
}
inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

/// Runs `fn` in a gridlock::thread named `name`, joins it, and rethrows whatever it threw.
template <class F>
void run_in_thread(const char* name, F&& fn) {
  std::exception_ptr error;
  gridlock::thread t = gridlock::thread::named(name, [&] {
    try {
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  if (error) std::rethrow_exception(error);
}

/// Waits until `t` has announced itself to the runtime (bounded; false if it never does). A join before
/// that is not seen as a wait for `t` (see wait_for_test's JoinRightAfterStartIsSeen).
inline bool wait_until_started(gridlock::thread& t, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    if (events::find_thread(static_cast<unsigned long>(t.native_handle())) != nullptr) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

/// Waits until `t` has announced itself and is blocked in a wait the detectors know (a lock, a join, a
/// condition variable, a channel, a wait group), then a moment more so that the check it ran on
/// blocking is over. Bounded: false if that never happens (the test then fails instead of hanging).
inline bool wait_until_blocked(gridlock::thread& t, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    thread_record* r = events::find_thread(static_cast<unsigned long>(t.native_handle()));
    if (r != nullptr && r->blocked()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      return r->blocked();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace gridlock::test

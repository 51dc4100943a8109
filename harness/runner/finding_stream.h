// The parent's side of a child's finding stream (GRIDLOCK_STREAM_FD, reporter.cpp): JSON lines, each a
// finding, a process's announcement that it answers state requests, its reply to one
// (state_request.h), a crash's stack (crash_report.h), or a line the caller knows (gridlock::check's
// outcome lines). Every process of the run writes to it (a wrapper, what it starts, a forked child).
// Shared by the runner's trials and gridlock::check's forked iterations.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gridlock::runner {

class finding_stream {
 public:
  /// Offered each complete line that is neither a state announcement nor a state reply, before it is
  /// taken as a finding; returns whether it took the line.
  using line_handler = std::function<bool(const nlohmann::json& line)>;

  explicit finding_stream(line_handler other = {});

  /// Whatever bytes arrived. A line cut short by a kill mid-write, or one longer than any the child
  /// writes, is dropped.
  void feed(const char* data, std::size_t n);
  /// Whether the bytes fed so far end inside a line.
  bool mid_line() const noexcept { return !line_.empty(); }

  /// In the order written; one of each shape, the first, with `repeats` counting the others.
  std::vector<nlohmann::json> findings;
  /// The processes that announced they answer state requests, and the signal each answers on.
  const std::map<pid_t, int>& state_signals() const noexcept { return state_signals_; }
  /// Their replies to state requests, as they came.
  const std::map<pid_t, nlohmann::json>& states() const noexcept { return states_; }
  /// The processes the interposer started in (runner_stream::preloaded_key).
  const std::set<pid_t>& preloaded() const noexcept { return preloaded_; }
  /// The crashes processes reported (crash_report.h: signal, tid, stack), each with its `pid`, in order.
  std::vector<nlohmann::json> crashes;

 private:
  void on_line(std::string_view line);

  line_handler other_;
  std::string line_;  // the incomplete last line
  std::map<pid_t, int> state_signals_;
  std::map<pid_t, nlohmann::json> states_;
  std::set<pid_t> preloaded_;
  std::map<std::string, std::size_t> shapes_;  // shape_of() -> index in findings
};

/// Waits until more of the stream arrives or `until`, and feeds what came to the stream; false once
/// nothing more can come (the stream ended).
using stream_pump = std::function<bool(std::chrono::steady_clock::time_point until)>;

/// Asks each of `processes` that announced it answers for its view of its threads (state_request.h),
/// one at a time (two long replies written into one pipe at once could interleave), waiting up to
/// `patience` for each. Returns the replies that came, by process.
std::map<pid_t, nlohmann::json> ask_states(finding_stream& stream, const std::vector<pid_t>& processes,
                                           std::chrono::milliseconds patience, const stream_pump& pump);

}  // namespace gridlock::runner

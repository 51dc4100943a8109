// The parent's side of a child's finding stream (GRIDLOCK_STREAM_FD, reporter.cpp): JSON lines, each a
// finding, the child's announcement that it answers state requests, its reply to one
// (state_request.h), or a line the caller knows (gridlock::check's outcome lines). Shared by the
// runner's trials and gridlock::check's forked iterations.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
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

  std::vector<nlohmann::json> findings;  ///< in the order written
  /// The signal the child answers state requests on, once it has announced one.
  std::optional<int> state_signal() const noexcept { return state_signal_; }
  /// The child's reply to a state request; null until it comes.
  const nlohmann::json& state() const noexcept { return state_; }

 private:
  void on_line(std::string_view line);

  line_handler other_;
  std::string line_;  // the incomplete last line
  std::optional<int> state_signal_;
  nlohmann::json state_;
};

}  // namespace gridlock::runner

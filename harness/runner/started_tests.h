// The tests a GoogleTest binary says it starts, read from its stdout as it comes, and which of them
// may have been running when a finding was made. The finding comes on another pipe (the finding
// stream), and the parent reads the two in turns: by the time it reads a finding, it may have read the
// starts of tests that came after it. What orders the two is the stream read to its end.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gridlock::runner {

class started_tests {
 public:
  /// Bytes of the binary's stdout, as they arrive.
  void feed(const char* data, std::size_t n);

  /// Says that the finding stream was just read to its end, between two lines: whatever finding is read
  /// from it later was made after every start fed so far was printed.
  void stream_read_to_end() noexcept { at_stream_end_ = count_; }

  /// The tests that may have been running when a finding read since the last stream_read_to_end() was
  /// made, once stdout has been fed as far as it goes now (the finding was made before this, so the
  /// start of its test was printed before it): the last started before that stream_read_to_end(), and
  /// all started since. In order, as far as kept.
  std::vector<std::string> running_at_finding() const;

  /// The test started last; nullptr before any.
  const std::string* last() const noexcept { return names_.empty() ? nullptr : &names_.back(); }

 private:
  static constexpr std::size_t max_line = 1024;
  // A binary may run 10^5 tests; a finding needs only those since the stream was last read to its end.
  static constexpr std::size_t max_names = 4096;

  std::vector<std::string> names_;  // the latest, in order
  std::size_t count_ = 0;           // how many started in all: names_.back() is the count_-th
  std::size_t at_stream_end_ = 0;   // count_ at the last stream_read_to_end()
  std::string line_;                // the unfinished last line
};

}  // namespace gridlock::runner

#include "runner/started_tests.h"

#include <iterator>
#include <optional>

#include "googletest_tests.h"

namespace gridlock::runner {

void started_tests::feed(const char* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (data[i] != '\n') {
      if (line_.size() < max_line) line_ += data[i];  // a longer line is no test's start
      continue;
    }
    if (std::optional<std::string> name = started_googletest_test(line_)) {
      names_.push_back(std::move(*name));
      ++count_;
    }
    if (names_.size() > max_names) names_.erase(names_.begin(), names_.begin() + max_names / 2);
    line_.clear();
  }
}

std::vector<std::string> started_tests::running_at_finding() const {
  const std::size_t oldest = count_ - names_.size() + 1;  // the number of names_.front()
  const std::size_t first = at_stream_end_ > oldest ? at_stream_end_ - oldest : 0;
  return {std::next(names_.begin(), static_cast<std::ptrdiff_t>(first)), names_.end()};
}

}  // namespace gridlock::runner

// The text of the program's source lines, for reports: a frame's line as written ("lock_guard
// second(to.mu);") says which lock of a function is meant before the reader opens the file.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace gridlock {

/// Reads each source file once, on first use. Not thread-safe: the symbolizer that owns it is not.
class source_lines {
 public:
  /// Line `line` (from 1) of `file` without the white space around it, cut to about 160 characters.
  /// Empty when `file` is not an absolute path (a relative one would be read against another
  /// directory than the build's) to a readable regular file of at most 8 MB, when it has no such line,
  /// or when the line is not UTF-8.
  std::string line(const std::string& file, int line);

 private:
  /// Per path, its lines; an empty vector for a file that cannot be used (remembered too).
  std::unordered_map<std::string, std::vector<std::string>> files_;
};

}  // namespace gridlock

#include "source_lines.h"

#include <sys/stat.h>

#include <fstream>
#include <string_view>

#include "utf8.h"

namespace gridlock {
namespace {

constexpr std::size_t max_file_bytes = 8u << 20;
constexpr std::size_t max_files = 1024;  // past this many, lines of further files are not shown
constexpr std::size_t max_line_chars = 160;

std::vector<std::string> read_lines(const std::string& file) {
  struct stat st;
  // Not a FIFO or device: opening one could block, or read what was never source.
  if (file.empty() || file.front() != '/' || ::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::size_t>(st.st_size) > max_file_bytes)
    return {};
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
  return lines;
}

}  // namespace

std::string source_lines::line(const std::string& file, int line) {
  auto it = files_.find(file);
  if (it == files_.end()) {
    if (files_.size() >= max_files) return {};
    it = files_.emplace(file, read_lines(file)).first;
  }
  if (line < 1 || static_cast<std::size_t>(line) > it->second.size()) return {};
  std::string_view text = it->second[static_cast<std::size_t>(line) - 1];
  constexpr std::string_view space = " \t\r\f\v";
  const std::size_t first = text.find_first_not_of(space);
  if (first == std::string_view::npos || !is_utf8(text)) return {};
  text = text.substr(first, text.find_last_not_of(space) - first + 1);
  if (text.size() <= max_line_chars) return std::string(text);
  return std::string(utf8_prefix(text, max_line_chars)) + " ...";
}

}  // namespace gridlock

#include "reproduce_value.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace gridlock {
namespace {

constexpr std::string_view version = "v1";

[[noreturn]] void malformed(const std::string& why) { throw std::invalid_argument(why); }

std::vector<std::string_view> fields(std::string_view value) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t colon = value.find(':', start);
    out.push_back(value.substr(start, colon - start));
    if (colon == std::string_view::npos) return out;
    start = colon + 1;
  }
}

// A name as set_strategy() takes one; anything else would need quoting in the replay line.
bool plain_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

std::string make_reproduce_value(const iteration_key& key) {
  return std::string(version) + ":" + key.strategy + ":" + std::to_string(key.seed);
}

iteration_key parse_reproduce_value(std::string_view value) {
  const std::vector<std::string_view> f = fields(value);
  if (f[0] != version) {
    if (f.size() == 3 && f[0].starts_with('v'))
      malformed("version '" + std::string(f[0]) + "' is not " + std::string(version) + ", which this build reads");
    malformed("it does not start with '" + std::string(version) + ":'");
  }
  if (f.size() != 3) malformed(std::to_string(f.size()) + " field(s) where v1:STRATEGY:SEED has 3");
  if (!plain_name(f[1])) malformed("the strategy '" + std::string(f[1]) + "' is not a name");
  iteration_key key{std::string(f[1]), 0};
  const std::string_view seed = f[2];
  // from_chars takes no sign, space or prefix and stops at the first non-digit: all of it must be used.
  const auto [end, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), key.seed);
  if (ec != std::errc() || end != seed.data() + seed.size())
    malformed("the seed '" + std::string(seed) + "' is not a decimal number within 64 bits");
  return key;
}

}  // namespace gridlock

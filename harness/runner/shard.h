// A deterministic share of a run's trials, so a CI matrix spreads one run over N machines: shard I of N
// (1-based) takes the trials whose index in the run's own order is I-1 modulo N. Every trial lands in
// exactly one shard, the shards differ in size by at most one, and `gridlock merge` can put the
// shards' runs back in the run's order (trial index = (I-1) + N * position in the shard).
#pragma once

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gridlock::runner {

struct shard {
  std::uint64_t index = 1;  ///< 1 <= index <= count
  std::uint64_t count = 1;

  /// Whether the trial at `trial` (0-based, in the run's order) belongs to this shard.
  bool takes(std::uint64_t trial) const noexcept { return trial % count == index - 1; }
  /// The run-order index of this shard's trial at `position` (0-based, in the shard's order).
  std::uint64_t trial_at(std::uint64_t position) const noexcept { return index - 1 + position * count; }
};

/// "I/N" with whole decimal numbers, 1 <= I <= N. Throws std::invalid_argument with a one-line reason.
inline shard parse_shard(std::string_view text) {
  const auto whole = [](std::string_view digits, std::uint64_t& value) {
    const char* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    return !digits.empty() && ec == std::errc() && ptr == end;
  };
  const std::size_t slash = text.find('/');
  shard s;
  if (slash == std::string_view::npos || !whole(text.substr(0, slash), s.index) || !whole(text.substr(slash + 1), s.count) ||
      s.count == 0 || s.index == 0 || s.index > s.count)
    throw std::invalid_argument("--shard must be I/N with whole numbers 1 <= I <= N, not '" + std::string(text) + "'");
  return s;
}

/// The items at the indexes this shard takes, in order.
template <typename T>
std::vector<T> select_shard(const std::vector<T>& all, const shard& s) {
  std::vector<T> mine;
  for (std::uint64_t i = s.index - 1; i < all.size(); i += s.count) mine.push_back(all[i]);
  return mine;
}

}  // namespace gridlock::runner

// A schedule: what the controlled strategy chose in one run, as a value that replays (after Shuttle's
// scheduler/serialization.rs): the seed, and every choice in order. Its text form is versioned and one
// shell word, so it travels in reproduce tokens and environment variables:
//
//   schedule-v1:seed=42:.0.1.1!2+3.0
//
// Each step is a kind and a thread (numbered in the order the run came to know its threads, main first):
// `.` a choice of who runs next (or which waiter a notify wakes), `!` the same after the thread holding
// the turn stopped reaching sync points (a stall: timing chose that moment), `+` a thread Gridlock did
// not start joined (timing chose that moment too). A schedule without `!` and `+` steps replays exactly;
// a trailing `...` says steps were cut (max_steps). Plain value, not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gridlock::inject {

struct schedule_step {
  enum class kind : std::uint8_t { choice, stalled, joined };
  kind what = kind::choice;
  std::uint32_t thread = 0;  ///< the thread chosen, or the one that joined; below max_thread
  bool operator==(const schedule_step&) const = default;
};

struct schedule {
  static constexpr int version = 1;
  static constexpr std::uint32_t max_thread = 4096;    ///< thread numbers are below this
  static constexpr std::size_t max_steps = 16384;      ///< steps kept; a replay goes on by the seed after them
  static constexpr std::string_view cut_mark = "...";  ///< ends the text when steps were cut

  std::uint64_t seed = 1;
  std::vector<schedule_step> steps;
  bool truncated = false;  ///< steps were made after the last one kept

  /// Whether replaying it is exact: no stall, no joined thread, nothing cut.
  bool exact() const noexcept;
  /// The text form above.
  std::string text() const;
  /// Parses the text form; throws std::invalid_argument with a one-line reason for anything else
  /// (another version included).
  static schedule parse(std::string_view text);

  /// The text of a schedule with this seed and no steps, and of one step: text() is the first followed
  /// by the second for each step, so a writer can append steps one by one as they are made.
  static std::string head_text(std::uint64_t seed);
  static std::string step_text(const schedule_step& step);

  bool operator==(const schedule&) const = default;
};

}  // namespace gridlock::inject

#include "injectors/schedule.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace gridlock::inject {
namespace {

constexpr std::string_view prefix = "schedule-v";
constexpr std::string_view seed_label = ":seed=";

[[noreturn]] void malformed(const std::string& why) { throw std::invalid_argument("malformed schedule: " + why); }

char mark(schedule_step::kind k) {
  switch (k) {
    case schedule_step::kind::stalled: return '!';
    case schedule_step::kind::joined: return '+';
    case schedule_step::kind::choice: break;
  }
  return '.';
}

/// Takes a decimal number off the front of `text`; false when there is none or it overflows.
bool take_number(std::string_view& text, std::uint64_t& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

}  // namespace

bool schedule::exact() const noexcept {
  return !truncated && std::all_of(steps.begin(), steps.end(), [](const schedule_step& s) {
    return s.what == schedule_step::kind::choice;
  });
}

std::string schedule::head_text(std::uint64_t seed) {
  return std::string(prefix) + std::to_string(version) + std::string(seed_label) + std::to_string(seed) + ":";
}

std::string schedule::step_text(const schedule_step& step) { return mark(step.what) + std::to_string(step.thread); }

std::string schedule::text() const {
  std::string out = head_text(seed);
  for (const schedule_step& s : steps) out += step_text(s);
  if (truncated) out += cut_mark;
  return out;
}

schedule schedule::parse(std::string_view text) {
  if (!text.starts_with(prefix)) malformed("it does not start with '" + std::string(prefix) + "'");
  text.remove_prefix(prefix.size());
  std::uint64_t v = 0;
  if (!take_number(text, v)) malformed("no version after '" + std::string(prefix) + "'");
  if (v != version)
    malformed("version " + std::to_string(v) + " is not the one this gridlock reads (" + std::to_string(version) + ")");
  if (!text.starts_with(seed_label)) malformed("no '" + std::string(seed_label) + "' after the version");
  text.remove_prefix(seed_label.size());
  schedule s;
  if (!take_number(text, s.seed)) malformed("the seed is not a whole number from 0 to 2^64-1");
  if (!text.starts_with(':')) malformed("no ':' after the seed");
  text.remove_prefix(1);
  while (!text.empty()) {
    if (text == cut_mark) {
      s.truncated = true;
      break;
    }
    schedule_step step;
    switch (text.front()) {
      case '.': step.what = schedule_step::kind::choice; break;
      case '!': step.what = schedule_step::kind::stalled; break;
      case '+': step.what = schedule_step::kind::joined; break;
      default: malformed("step " + std::to_string(s.steps.size() + 1) + " does not start with '.', '!' or '+'");
    }
    text.remove_prefix(1);
    std::uint64_t thread = 0;
    if (!take_number(text, thread) || thread >= max_thread)
      malformed("step " + std::to_string(s.steps.size() + 1) + " names no thread from 0 to " +
                std::to_string(max_thread - 1));
    step.thread = static_cast<std::uint32_t>(thread);
    if (s.steps.size() == max_steps) malformed("more than " + std::to_string(max_steps) + " steps");
    s.steps.push_back(step);
  }
  return s;
}

}  // namespace gridlock::inject

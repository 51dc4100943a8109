#include "cli/arguments.h"

#include <charconv>
#include <cmath>

#include "runner/trial.h"

namespace gridlock::cli {

po::variables_map parse_arguments(const std::vector<std::string>& args, const po::options_description& options,
                                  const po::positional_options_description& positional) {
  po::variables_map vm;
  try {
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args).options(options).positional(positional).style(style).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  return vm;
}

po::variables_map parse_arguments_with_inputs(const std::vector<std::string>& args,
                                              const po::options_description& options) {
  po::options_description all;
  all.add(options).add_options()("input", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("input", -1);
  return parse_arguments(args, all, positional);
}

std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max)
    throw usage_error(option + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                      ", not '" + text + "'");
  return value;
}

std::chrono::milliseconds parse_seconds(const std::string& option, const std::string& text) {
  double seconds = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  const double ms = seconds * 1000;
  if (text.empty() || ec != std::errc() || ptr != end || !(ms >= static_cast<double>(runner::min_timeout.count()) &&
                                                           ms <= static_cast<double>(runner::max_timeout.count())))
    throw usage_error(option + " must be a number of seconds from 0.001 to " +
                      std::to_string(runner::max_timeout.count() / 1000) + ", not '" + text + "'");
  return std::chrono::milliseconds(std::llround(ms));
}

}  // namespace gridlock::cli

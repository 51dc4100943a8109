// Reading a command's arguments with Boost.Program_options, strictly: an unknown or repeated option, a
// missing or malformed value, an extra word, each is a usage_error, which main() prints as one line
// before exiting with code 2.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace gridlock::cli {

namespace po = boost::program_options;

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses `args` (the words after the command) against `options`, positional words per `positional`.
/// Long options must be spelled out: no abbreviations.
po::variables_map parse_arguments(const std::vector<std::string>& args, const po::options_description& options,
                                  const po::positional_options_description& positional = {});

/// parse_arguments() for a command that takes any number of input files after its options: they are
/// vm["input"] (a std::vector<std::string>, absent when none is given).
po::variables_map parse_arguments_with_inputs(const std::vector<std::string>& args,
                                              const po::options_description& options);
/// A whole decimal number in [min, max]; `option` names it in the error.
std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t min, std::uint64_t max);
/// A number of seconds, fractions allowed, within runner::min_timeout and max_timeout.
std::chrono::milliseconds parse_seconds(const std::string& option, const std::string& text);

}  // namespace gridlock::cli

// The value of GRIDLOCK_REPRODUCE that names one iteration of gridlock::check: "v1:STRATEGY:SEED", e.g.
// "v1:random:7". Versioned so that a value from another release fails to parse instead of replaying
// something else; short and readable because a person pastes it into a shell.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gridlock {

struct iteration_key {
  std::string strategy;
  std::uint64_t seed = 0;
};

std::string make_reproduce_value(const iteration_key& key);
/// The inverse of make_reproduce_value. Strict: throws std::invalid_argument with a one-line reason for a
/// wrong version, a missing or extra field, a strategy that is not a plain name, or a seed that is not a
/// decimal number within 64 bits. Whether the strategy exists is for set_strategy() to say.
iteration_key parse_reproduce_value(std::string_view value);

}  // namespace gridlock

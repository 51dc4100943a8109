// A built-in scenario: one classic concurrency pattern, written against gridlock's primitives, with the
// verdict it should get. `gridlock run` runs each one in child processes, once per seed. Each scenario
// is one file that registers itself with GRIDLOCK_SCENARIO.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace scenarios {

/// What running a scenario should produce.
enum class verdict { clean, finding };

/// What a scenario's body gets: the trial's seed, for scenarios whose bug shows only in some
/// interleavings (they use it to choose one, so a seed reproduces it).
class context {
 public:
  explicit context(std::uint64_t seed) : seed_(seed), state_(seed * 0x9e3779b97f4a7c15ull + 1) {}
  std::uint64_t seed() const noexcept { return seed_; }
  /// A seeded number in [0, n), n > 0.
  std::uint64_t pick(std::uint64_t n) noexcept {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_ % n;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t state_;  // xorshift64: never 0
};

struct scenario {
  std::string_view name;         ///< unique, kebab-case: the --scenario argument
  std::string_view description;  ///< one line for `gridlock list`
  verdict expected;
  void (*body)(context&);        ///< runs the pattern; returns when done (or never, if it deadlocks)
};

/// Every registered scenario, sorted by name.
std::vector<const scenario*> all();
/// The scenario with this name, or null.
const scenario* find(std::string_view name);

/// Registers a scenario at static-initialization time.
struct registration {
  explicit registration(const scenario& s);
};

}  // namespace scenarios

#define GRIDLOCK_SCENARIO_CAT2(a, b) a##b
#define GRIDLOCK_SCENARIO_CAT(a, b) GRIDLOCK_SCENARIO_CAT2(a, b)
/// GRIDLOCK_SCENARIO("name", "description", verdict, body)
#define GRIDLOCK_SCENARIO(name, description, expected, body)                                 \
  static const ::scenarios::scenario GRIDLOCK_SCENARIO_CAT(scenario_, __LINE__){                  \
      name, description, ::scenarios::verdict::expected, body};                                 \
  static const ::scenarios::registration GRIDLOCK_SCENARIO_CAT(scenario_registration_, __LINE__){ \
      GRIDLOCK_SCENARIO_CAT(scenario_, __LINE__)}

// Which GoogleTest tests a finding happened in, read off its symbolized stacks: TEST(Cache, Evict)
// compiles to the class Cache_Evict_Test, whose TestBody() (or a lambda in it) is on the stack of
// whatever the test's threads do. A GoogleTest binary runs all its tests in one process, so "which
// test?" is the first question of a finding in one; its answer is also the --gtest_filter to rerun.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gridlock {

/// The test whose body a symbolized function is, or runs inside of: "Cache.Evict" for
/// "(anonymous namespace)::Cache_Evict_Test::TestBody()" and its lambdas, typed tests' too
/// (Cache_Evict_Test<int>). Where the class name has more underscores than the one GoogleTest puts
/// between suite and test, those could be either's: each is `?`, as a --gtest_filter pattern writes
/// any one character ("My?Cache?Evict"). nullopt for any other function.
std::optional<std::string> googletest_test_of(std::string_view function);

/// The tests of a symbolized finding, sorted, each once: those on the stacks of its edges (the takes in
/// `also` too), its waits and its own stack; failing those, those its threads were started in.
/// Not its locks' `created` stacks: a lock first seen in one test may be another's object at the
/// same address.
std::vector<std::string> googletest_tests(const nlohmann::json& finding);

/// The tests a GoogleTest binary's output (a run's `stdout`) says failed, in order, each once: its
/// "[  FAILED  ] Suite.Name (12 ms)" lines. A program that fails its own tests is no finding; this says
/// which of them, where its last line of stderr would not.
std::vector<std::string> failed_googletest_tests(std::string_view output);

/// Adds the `tests` of finding `from` to those of `into`, sorted, each once: `from` is the same bug (the
/// same fingerprint) that `into` stands for in a report, made again by other tests.
void add_tests(nlohmann::json& into, const nlohmann::json& from);

}  // namespace gridlock

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

/// The key under which the runner adds to a finding the tests its GoogleTest binary started about when
/// it was found (a list of full names, as started_googletest_test() reads them); symbolize_finding()
/// reads and removes it.
constexpr std::string_view googletest_running_key = "googletest_running";

/// The tests of a symbolized finding, sorted, each once: those on the stacks of its edges (the takes in
/// `also` too), its waits and its own stack; failing those, those its threads were started in.
/// Not its locks' `created` stacks: a lock first seen in one test may be another's object at the
/// same address. Each by its full name where the finding's googletest_running_key list has it
/// (full_googletest_name).
std::vector<std::string> googletest_tests(const nlohmann::json& finding);

/// The test a line of a GoogleTest binary's output starts: "Sizes/Logger.Rotate/0" for
/// "[ RUN      ] Sizes/Logger.Rotate/0"; nullopt for any other line.
std::optional<std::string> started_googletest_test(std::string_view line);

/// `test` as googletest_test_of() read it off a stack ("Logger.Rotate", "My?Cache?Evict"), given its
/// full name from the tests that were starting around the finding (`running`, as
/// started_googletest_test() read them): a value-parameterized test's instantiation and parameter
/// ("Sizes/Logger.Rotate/0"), a typed test's type index ("Cache/0.Evict"), the underscores a `?`
/// stands for ("My_Cache.Evict"). `test` itself where no name, or more than one, fits.
std::string full_googletest_name(const std::string& test, const std::vector<std::string>& running);

/// The tests a GoogleTest binary's output (a run's `stdout`) says failed, in order, each once: its
/// "[  FAILED  ] Suite.Name (12 ms)" lines. A program that fails its own tests is no finding; this says
/// which of them, where its last line of stderr would not.
std::vector<std::string> failed_googletest_tests(std::string_view output);

/// Adds the `tests` of finding `from` to those of `into`, sorted, each once: `from` is the same bug (the
/// same fingerprint) that `into` stands for in a report, made again by other tests.
void add_tests(nlohmann::json& into, const nlohmann::json& from);

}  // namespace gridlock

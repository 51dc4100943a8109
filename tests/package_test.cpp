// The CMake package end to end, as a team uses it: this build tree installed into a temporary prefix
// (`cmake --install`, not a rebuild), then tests/consumer/ configured against it with
// find_package(Gridlock), built, and its `ctest -L deadlock` run: the correct program's test passes,
// the lock-order inversion's fails with its finding, and each left a report where CI collects them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "report_fixture.h"

namespace {

using nlohmann::json;
using report_fixture::quoted;
using report_fixture::shell;
namespace fs = std::filesystem;

const fs::path source_root = GRIDLOCK_SOURCE_ROOT;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

/// Every frame of every edge of a finding, for asking where it was seen.
bool names_file(const json& finding, const std::string& file_name) {
  for (const json& edge : finding["edges"])
    for (const char* side : {"held_stack", "acquire_stack"})
      for (const json& frame : edge[side])
        if (fs::path(frame.value("file", "")).filename() == file_name) return true;
  return false;
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("package_test." + std::to_string(::getpid()) + "." + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const report_fixture::result install =
        sh(quoted(CMAKE_COMMAND) + " --install " + quoted(GRIDLOCK_BUILD_DIR) + " --prefix " + quoted(prefix().string()));
    ASSERT_EQ(install.code, 0) << install.output;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path prefix() const { return dir_ / "prefix"; }
  /// Configures tests/consumer/ against the installed package and builds it; returns its build tree.
  fs::path build_consumer() const {
    const fs::path build = dir_ / "consumer-build";
    const report_fixture::result configure =
        sh(quoted(CMAKE_COMMAND) + " -S " + quoted((source_root / "tests/consumer").string()) + " -B " + quoted(build.string()) +
           " -G " + quoted(CMAKE_GENERATOR) + " -DCMAKE_CXX_COMPILER=" + quoted(CMAKE_CXX_COMPILER) +
           " -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH=" + quoted(prefix().string()));
    EXPECT_EQ(configure.code, 0) << configure.output;
    const report_fixture::result compile = sh(quoted(CMAKE_COMMAND) + " --build " + quoted(build.string()));
    EXPECT_EQ(compile.code, 0) << compile.output;
    return build;
  }

  /// Runs a shell command with GRIDLOCK_PRELOAD unset, so that gridlock has to find the interposer itself.
  report_fixture::result sh(const std::string& command) const {
    return shell("env -u GRIDLOCK_PRELOAD " + command, dir_ / "output");
  }

  fs::path dir_;
};

TEST_F(PackageTest, InstallsTheCliTheInterposerTheHeadersAndThePackage) {
  for (const char* file : {"bin/gridlock", "lib/libgridlock_preload.so", "lib/libgridlock.a", "lib/libgridlock_injectors.a",
                           "lib/libgridlock_check.a", "lib/libgridlock_runner.a",
                           "include/gridlock/gridlock.h", "lib/cmake/Gridlock/GridlockConfig.cmake",
                           "lib/cmake/Gridlock/GridlockConfigVersion.cmake", "lib/cmake/Gridlock/GridlockTargets.cmake",
                           "lib/cmake/Gridlock/GridlockAddTest.cmake"})
    EXPECT_TRUE(fs::exists(prefix() / file)) << file;

  // An installed header may include only installed headers (and the standard library's).
  const std::regex quoted_include(R"(#include\s+"([^"]+)\")");
  int headers = 0;
  for (const fs::directory_entry& header : fs::directory_iterator(prefix() / "include/gridlock")) {
    ++headers;
    const std::string text = report_fixture::slurp(header.path());
    for (std::sregex_iterator m(text.begin(), text.end(), quoted_include), end; m != end; ++m)
      EXPECT_TRUE(fs::exists(prefix() / "include" / (*m)[1].str())) << header.path().filename() << " includes " << (*m)[1];
  }
  EXPECT_EQ(headers, std::distance(fs::directory_iterator(source_root / "harness/include/gridlock"), fs::directory_iterator{}));
}

TEST_F(PackageTest, InstalledExecFindsTheInstalledInterposer) {
  const report_fixture::result exec =
      sh(quoted((prefix() / "bin/gridlock").string()) + " exec --runs 1 --out " + quoted((dir_ / "report").string()) + " -- " +
         quoted(std::string(GRIDLOCK_STD_PROGRAMS) + "/std_lock_order_inversion"));
  ASSERT_EQ(exec.code, 1) << exec.output;
  const json report = read_json(dir_ / "report/report.json");
  ASSERT_EQ(report["runs"].size(), 1u);
  ASSERT_FALSE(report["runs"][0]["findings"].empty()) << exec.output;
  EXPECT_EQ(report["runs"][0]["findings"][0]["kind"], "lock-order-cycle");
}

TEST_F(PackageTest, ConsumerProjectsDeadlockTestsPassWhenCleanAndFailOnAFinding) {
  const fs::path build = build_consumer();
  ASSERT_FALSE(HasFailure());

  // What gridlock_add_test registered: the installed gridlock's exec, its options, the label, a timeout.
  const report_fixture::result listed = sh(quoted(CTEST_COMMAND) + " --test-dir " + quoted(build.string()) + " --show-only=json-v1");
  ASSERT_EQ(listed.code, 0) << listed.output;
  std::map<std::string, json> tests;
  const json listing = json::parse(listed.output);
  for (const json& test : listing["tests"]) tests[test["name"]] = test;
  ASSERT_EQ(tests.size(), 4u) << listed.output;  // two gridlock_add_test tests, two gridlock::check ones
  const auto command_of = [&](const std::string& name) {
    const std::vector<std::string> command = tests[name]["command"];
    const auto dashes = std::find(command.begin(), command.end(), "--");
    EXPECT_NE(dashes, command.end()) << name;
    EXPECT_EQ(fs::canonical(command.front()), fs::canonical(prefix() / "bin/gridlock")) << name;
    return std::pair(std::vector<std::string>(command.begin() + 1, dashes), std::vector<std::string>(dashes + 1, command.end()));
  };
  const auto has = [](const std::vector<std::string>& options, const std::vector<std::string>& option) {
    return std::search(options.begin(), options.end(), option.begin(), option.end()) != options.end();
  };
  const auto [audit_options, audit_program] = command_of("audit_log");
  EXPECT_EQ(audit_options.front(), "exec");
  EXPECT_TRUE(has(audit_options, {"--runs", "2"}));
  EXPECT_TRUE(has(audit_options, {"--timeout", "30"}));
  EXPECT_FALSE(has(audit_options, {"--strategy"})) << "without STRATEGY, exec's default";
  ASSERT_EQ(audit_program.size(), 2u);
  EXPECT_EQ(fs::path(audit_program[0]).filename(), "audit_log");
  EXPECT_EQ(audit_program[1], "3") << "ARGS after the program";
  const auto [transfers_options, transfers_program] = command_of("transfers");
  EXPECT_TRUE(has(transfers_options, {"--strategy", "random"}));
  EXPECT_EQ(transfers_program.size(), 1u);
  for (const char* name : {"audit_log", "transfers"}) {
    std::map<std::string, json> properties;
    for (const json& p : tests[name]["properties"]) properties[p["name"]] = p["value"];
    EXPECT_EQ(properties["LABELS"], json::array({"deadlock"})) << name;
    EXPECT_GT(properties["TIMEOUT"].get<double>(), 60.0) << name;
  }

  const report_fixture::result ctest =
      sh(quoted(CTEST_COMMAND) + " --test-dir " + quoted(build.string()) + " -L deadlock --output-on-failure");
  EXPECT_NE(ctest.code, 0) << ctest.output;
  EXPECT_TRUE(std::regex_search(ctest.output, std::regex(R"(transfers \.+ +Passed)"))) << ctest.output;
  EXPECT_TRUE(std::regex_search(ctest.output, std::regex(R"(audit_log \.+\*+Failed)"))) << ctest.output;
  EXPECT_NE(ctest.output.find("lock-order-cycle"), std::string::npos) << ctest.output;
  EXPECT_NE(ctest.output.find("gridlock reproduce gl1:"), std::string::npos) << ctest.output;

  const json clean = read_json(build / "gridlock-reports/transfers/report.json");
  ASSERT_EQ(clean["runs"].size(), 3u);
  for (const json& run : clean["runs"]) {
    EXPECT_EQ(run["outcome"], "clean") << run.dump();
    EXPECT_EQ(run["strategy"], "random");
  }

  const json buggy = read_json(build / "gridlock-reports/audit_log/report.json");
  ASSERT_EQ(buggy["runs"].size(), 2u);
  for (const json& run : buggy["runs"]) {
    EXPECT_EQ(run["argv"].back(), "3");
    EXPECT_EQ(run["outcome"], "finding");
    ASSERT_FALSE(run["findings"].empty());
    EXPECT_EQ(run["findings"][0]["kind"], "lock-order-cycle");
    EXPECT_TRUE(names_file(run["findings"][0], "audit_log.cpp")) << run["findings"][0].dump();
  }
}

TEST_F(PackageTest, ConsumerUnitTestsStressTheirBodiesWithGridlockCheck) {
  const fs::path build = build_consumer();
  ASSERT_FALSE(HasFailure());
  const report_fixture::result ctest =
      sh(quoted(CTEST_COMMAND) + " --test-dir " + quoted(build.string()) + " -L check --output-on-failure");
  EXPECT_NE(ctest.code, 0) << ctest.output;
  EXPECT_TRUE(std::regex_search(ctest.output, std::regex(R"(ledger\.in_order \.+ +Passed)"))) << ctest.output;
  EXPECT_TRUE(std::regex_search(ctest.output, std::regex(R"(ledger\.inverted \.+\*+Failed)"))) << ctest.output;
  EXPECT_NE(ctest.output.find("lock-order-cycle"), std::string::npos) << ctest.output;
  EXPECT_NE(ctest.output.find("ledger_test.cpp:23"), std::string::npos) << "the inverted acquisition's line\n" << ctest.output;

  // The replay line the failure printed runs that one iteration again, with the same finding.
  std::smatch replay;
  ASSERT_TRUE(std::regex_search(ctest.output, replay, std::regex(R"(GRIDLOCK_REPRODUCE=(v1:random:\d+) (\S+) (--gtest_filter=\S+))")))
      << ctest.output;
  EXPECT_EQ(fs::canonical(replay[2].str()), fs::canonical(build / "ledger_test"));
  const report_fixture::result again =
      sh("env GRIDLOCK_REPRODUCE=" + replay[1].str() + " " + quoted(replay[2].str()) + " " + replay[3].str());
  EXPECT_NE(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("lock-order-cycle"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("the iteration GRIDLOCK_REPRODUCE names (strategy random, seed " + replay[1].str().substr(10) + ")"),
            std::string::npos)
      << again.output;
}

}  // namespace

// The JUnit writer, on the hand-made report of report_fixture.h: the document validates against
// tests/data/junit.xsd (the shape the common CI readers accept) with xmllint, a testcase per scenario or
// program fails by its rule, a failure's message names the finding kind and locks and its text holds
// the stacks and the reproduce line, file and line locate it, program text survives escaping exactly
// (read back through xmllint's XPath), and known findings pass.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "report_fixture.h"
#include "reports/baseline.h"
#include "reports/junit_writer.h"
#include "reports/report_formats.h"

namespace {

using nlohmann::json;
using namespace report_fixture;
namespace fs = std::filesystem;

class ReportJunitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("report_junit_test." + std::to_string(::getpid()) + "." +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Writes the report as JUnit and returns the file.
  fs::path write(const json& report) {
    const fs::path file = dir_ / "junit.xml";
    EXPECT_TRUE(gridlock::reports::junit_writer(source_root).write(report, file.string()));
    return file;
  }

  /// An XPath 1.0 expression's string value, as xmllint reads the file.
  std::string xpath(const fs::path& file, const std::string& expression) {
    std::string value = shell("xmllint --xpath " + quoted(expression) + " " + quoted(file.string()), dir_ / "xpath.out").output;
    if (value.ends_with("\n")) value.pop_back();  // some xmllint versions end the value with a newline
    return value;
  }

  void need_xmllint() {
    if (!have_tool("xmllint")) GTEST_SKIP() << "xmllint is not installed (Debian package libxml2-utils; ci/install-deps.sh installs it)";
  }

  fs::path dir_;
};

TEST_F(ReportJunitTest, ValidatesAgainstTheJunitSchema) {
  need_xmllint();
  const fs::path file = write(report());
  const result check = shell("xmllint --noout --schema " + quoted(GRIDLOCK_TEST_DATA "/junit.xsd") + " " + quoted(file.string()),
                             dir_ / "xmllint.out");
  EXPECT_EQ(check.code, 0) << check.output << slurp(file);
}

TEST_F(ReportJunitTest, ATestcasePerScenarioFailingWhenItsVerdictIsWrong) {
  need_xmllint();
  const fs::path file = write(report());
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@name)"), "gridlock run") << "every testsuite is named";
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@tests)"), "5");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@failures)"), "3");
  EXPECT_EQ(xpath(file, "string(/testsuites/@failures)"), "3");
  EXPECT_EQ(xpath(file, "count(//testcase[@name='abba']/failure)"), "0") << "its finding was expected";
  EXPECT_EQ(xpath(file, "count(//testcase[@name='bare']/failure)"), "0");
  EXPECT_EQ(xpath(file, "string(//testcase[@name='abba']/@classname)"), "gridlock.scenario");

  // The failure names the kind and the locks, exactly as the program named them.
  EXPECT_EQ(xpath(file, "string(//testcase[@name='calm']/failure/@type)"), "deadlock");
  EXPECT_EQ(xpath(file, "string(//testcase[@name='calm']/failure/@message)"), "deadlock on lock A<int> (1 of 2 runs)");
  const std::string text = xpath(file, "string(//testcase[@name='calm']/failure)");
  EXPECT_NE(text.find("thread 2 (<worker>) waits for lock A<int> held by thread 1 (main)"), std::string::npos) << text;
  EXPECT_NE(text.find("app::worker<std::map<int, std::vector<int>>>"), std::string::npos) << "the top frames: " << text;
  EXPECT_NE(text.find("reproduce: gridlock reproduce gl1:calm-1"), std::string::npos) << text;
  EXPECT_EQ(xpath(file, "string(//testcase[@name='calm']/@file)"), "src/main.cpp") << "where main blocks, relative to the root";
  EXPECT_EQ(xpath(file, "string(//testcase[@name='calm']/@line)"), "20");

  EXPECT_EQ(xpath(file, "string(//testcase[@name='missed']/failure/@type)"), "missed-finding");
  EXPECT_EQ(xpath(file, "string(//testcase[@name='crashy']/failure/@type)"), "crash");
  EXPECT_NE(xpath(file, "string(//testcase[@name='crashy']/failure/@message)").find("signal 11 (SIGSEGV)"), std::string::npos);
  EXPECT_NE(xpath(file, "string(//testcase[@name='crashy']/failure)").find("<fatal> &"), std::string::npos)
      << "control bytes and broken UTF-8 are replaced, the rest kept";

  // The expected cycle is shown, located at the acquisition that closes it, both sides' frames.
  EXPECT_EQ(xpath(file, "string(//testcase[@name='abba']/@file)"), "src/worker.cpp");
  EXPECT_EQ(xpath(file, "string(//testcase[@name='abba']/@line)"), "42");
  const std::string out = xpath(file, "string(//testcase[@name='abba']/system-out)");
  EXPECT_NE(out.find("seed 2 (none): finding"), std::string::npos) << out;
  EXPECT_NE(out.find("operator&(a::b<c>, d)"), std::string::npos) << "the other side of the cycle: " << out;

  EXPECT_EQ(xpath(file, "string(//property[@name='gridlock.seeds']/@value)"), "1,2");
  EXPECT_EQ(xpath(file, "string(//property[@name='gridlock.strategy']/@value)"), "none");
}

// A run that went wrong without a finding says where its whole output is, as the console does.
TEST_F(ReportJunitTest, ARunThatWentWrongNamesTheFilesOfItsWholeOutput) {
  need_xmllint();
  json r = report();
  for (json& run : r["runs"])
    if (run.value("name", "") == "crashy") {
      run["stdout_file"] = "out/runs/crashy-seed1.stdout";
      run["stderr_file"] = "out/runs/crashy-seed1.stderr";
    }
  const std::string text = xpath(write(r), "string(//testcase[@name='crashy']/failure)");
  EXPECT_NE(text.find("\n  whole output: out/runs/crashy-seed1.stdout, out/runs/crashy-seed1.stderr\n"), std::string::npos)
      << text;
}

TEST_F(ReportJunitTest, ProgramsFailOnAnyFindingAndKnownFindingsPass) {
  need_xmllint();
  json r = report();
  r["command"] = "exec";
  for (json& run : r["runs"]) {
    run["kind"] = "program";
    run["argv"] = {run["name"]};
    run.erase("expected");
  }
  fs::path file = write(r);
  EXPECT_EQ(xpath(file, "count(//testcase[failure])"), "4") << "abba, calm, crashy, bare: a program must find nothing";
  EXPECT_EQ(xpath(file, "string(//testcase[@name='abba']/failure/@message)"), "lock-order-cycle on locks A<int>, B&co (2 of 2 runs)");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@name)"), "gridlock exec");
  EXPECT_EQ(xpath(file, "string(//testcase[@name='abba']/@classname)"), "gridlock.program");

  gridlock::reports::apply_baseline(
      r, gridlock::reports::parse_baseline(R"({"version": 1, "known": [{"fingerprint": ")" + std::string(cycle_fingerprint) +
                                               R"(", "reason": "ticket 42: fix the <transfer> order"}]})", "b.json"),
      "2030-01-01");
  file = write(r);
  EXPECT_EQ(xpath(file, "count(//testcase[@name='abba']/failure)"), "0") << "a known finding does not fail";
  EXPECT_NE(xpath(file, "string(//testcase[@name='abba']/system-out)").find("ticket 42: fix the <transfer> order"), std::string::npos);
  EXPECT_EQ(xpath(file, "string(//property[@name='gridlock.baseline']/@value)"), "b.json");
  const result valid = shell("xmllint --noout --schema " + quoted(GRIDLOCK_TEST_DATA "/junit.xsd") + " " + quoted(file.string()),
                             dir_ / "xmllint.out");
  EXPECT_EQ(valid.code, 0) << valid.output;
}

TEST_F(ReportJunitTest, AnEmptyReportIsStillAValidNamedSuite) {
  need_xmllint();
  const fs::path file = write({{"tool", "gridlock"}, {"version", "0.1.0"}, {"command", "run"},
                               {"shard", {{"index", 3}, {"count", 4}}}, {"runs", json::array()}});
  const result check = shell("xmllint --noout --schema " + quoted(GRIDLOCK_TEST_DATA "/junit.xsd") + " " + quoted(file.string()),
                             dir_ / "xmllint.out");
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@name)"), "gridlock run (shard 3/4)");
}

TEST_F(ReportJunitTest, RegisteredAsJunitAndWrittenAtomically) {
  const auto writer = gridlock::reports::make_writer("junit", {source_root});
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->write(report(), (dir_ / "junit.xml").string()));
  EXPECT_TRUE(slurp(dir_ / "junit.xml").starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1) << "no temporary left behind";
  EXPECT_FALSE(writer->write(report(), (dir_ / "missing" / "junit.xml").string()));
}

}  // namespace

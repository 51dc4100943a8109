// The SARIF writer, on the hand-made report of report_fixture.h: a structural check of what SARIF 2.1.0
// requires and GitHub code scanning reads (version, $schema, the driver's name and rules, each result's
// ruleId with a consistent ruleIndex, message, a location with an artifact URI and a start line,
// partialFingerprints), a result per distinct fingerprint at the acquisition that closes the cycle or
// the blocking call, URIs relative to the source root, the other edges as related locations and code
// flows, a location-less finding turned into a notification, and known findings as unchanged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "report_fixture.h"
#include "reports/baseline.h"
#include "reports/report_formats.h"
#include "reports/sarif_writer.h"

namespace {

using nlohmann::json;
using namespace report_fixture;
namespace fs = std::filesystem;

json render(const json& report) { return gridlock::reports::sarif_writer(source_root).render(report); }

const json* result_for(const json& sarif, const std::string& fingerprint) {
  for (const json& r : sarif["runs"][0]["results"])
    if (r["partialFingerprints"].value("gridlockFingerprint/v9", "") == fingerprint) return &r;
  return nullptr;
}

/// Every field SARIF 2.1.0 requires, and every one code scanning needs, with its type.
void expect_structurally_valid(const json& sarif) {
  ASSERT_TRUE(sarif.is_object());
  EXPECT_EQ(sarif["version"], "2.1.0");
  EXPECT_EQ(sarif["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  ASSERT_TRUE(sarif["runs"].is_array());
  ASSERT_EQ(sarif["runs"].size(), 1u);
  const json& run = sarif["runs"][0];
  const json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "Gridlock");
  ASSERT_TRUE(driver["rules"].is_array());
  std::set<std::string> ids;
  for (const json& rule : driver["rules"]) {
    ASSERT_TRUE(rule["id"].is_string());
    EXPECT_TRUE(ids.insert(rule["id"].get<std::string>()).second) << "rule ids are unique: " << rule["id"];
    EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty()) << rule["id"];
    EXPECT_FALSE(rule["help"]["text"].get<std::string>().empty()) << "help text: " << rule["id"];
    const std::string level = rule["defaultConfiguration"]["level"];
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << level;
  }
  ASSERT_TRUE(run["results"].is_array());
  for (const json& r : run["results"]) {
    SCOPED_TRACE(r.dump());
    ASSERT_TRUE(r["ruleId"].is_string());
    ASSERT_TRUE(r["ruleIndex"].is_number_unsigned());
    ASSERT_LT(r["ruleIndex"].get<std::size_t>(), driver["rules"].size());
    EXPECT_EQ(driver["rules"][r["ruleIndex"].get<std::size_t>()]["id"], r["ruleId"]) << "ruleIndex names the same rule";
    EXPECT_FALSE(r["message"]["text"].get<std::string>().empty());
    ASSERT_TRUE(r["locations"].is_array());
    ASSERT_GE(r["locations"].size(), 1u) << "code scanning needs a location";
    for (const json* where : {&r["locations"], r.contains("relatedLocations") ? &r["relatedLocations"] : nullptr}) {
      if (where == nullptr) continue;
      for (const json& loc : *where) {
        const json& physical = loc["physicalLocation"];
        ASSERT_TRUE(physical["artifactLocation"]["uri"].is_string());
        EXPECT_FALSE(physical["artifactLocation"]["uri"].get<std::string>().empty());
        ASSERT_TRUE(physical["region"]["startLine"].is_number_integer());
        EXPECT_GE(physical["region"]["startLine"].get<int>(), 1);
      }
    }
    ASSERT_TRUE(r["partialFingerprints"].is_object());
    EXPECT_FALSE(r["partialFingerprints"].empty());
    if (r.contains("codeFlows"))
      for (const json& flow : r["codeFlows"]) {
        ASSERT_FALSE(flow["threadFlows"].empty());
        for (const json& thread : flow["threadFlows"]) ASSERT_FALSE(thread["locations"].empty());
      }
  }
  for (const auto& [base, where] : run["originalUriBaseIds"].items())
    EXPECT_TRUE(where["uri"].get<std::string>().ends_with("/")) << "a base URI ends with a slash";
}

TEST(ReportSarifTest, StructurallyValidSarif210) { expect_structurally_valid(render(report())); }

TEST(ReportSarifTest, ARulePerFindingKindWithHelp) {
  const json rules = render(report())["runs"][0]["tool"]["driver"]["rules"];
  std::set<std::string> ids;
  for (const json& rule : rules) ids.insert(rule["id"]);
  for (const char* kind : {"lock-order-cycle", "deadlock", "all-threads-blocked", "recursive-lock", "lock-upgrade",
                           "unlock-not-owner", "lock-held-at-exit", "destroy-locked", "cv-wait-unlocked",
                           "cv-different-mutex", "wait-group-negative", "channel-closed-send", "timeout",
                           "signal-handler-lock"})
    EXPECT_TRUE(ids.contains(kind)) << kind;
  // A kind a newer runtime reports still gets a rule of its own, and its results a valid ruleIndex.
  json r = report();
  r["runs"][0]["findings"][0]["kind"] = "brand-new-kind";
  const json sarif = render(r);
  expect_structurally_valid(sarif);
  EXPECT_EQ(sarif["runs"][0]["tool"]["driver"]["rules"].size(), 15u);
}

// A finding in a GoogleTest binary says which tests in its result's message.
TEST(ReportSarifTest, AResultSaysWhichTestsItsFindingHappenedIn) {
  json r = report();
  for (json& run : r["runs"])
    for (json& f : run["findings"])
      if (f.value("fingerprint", "") == cycle_fingerprint) f["tests"] = json::array({"Cache.Evict", "Cache.Refresh"});
  const json sarif = render(r);
  const json* cycle = result_for(sarif, cycle_fingerprint);
  ASSERT_NE(cycle, nullptr);
  EXPECT_NE((*cycle)["message"]["text"].get<std::string>().find(" (in tests Cache.Evict, Cache.Refresh; in 2 of "),
            std::string::npos)
      << (*cycle)["message"]["text"];
}

// An edge taken as the fallback of a try that Gridlock failed says so where it was taken.
TEST(ReportSarifTest, AFallbacksSiteSaysItsTryFailed) {
  json r = report();
  for (json& run : r["runs"])
    for (json& f : run["findings"])
      if (f.value("fingerprint", "") == cycle_fingerprint) f["edges"][1]["after_failed_try"] = true;
  const json sarif = render(r);
  const json* cycle = result_for(sarif, cycle_fingerprint);
  ASSERT_NE(cycle, nullptr);
  EXPECT_EQ((*cycle)["relatedLocations"][3]["message"]["text"],
            "thread 1 (main) acquires A<int> while holding B&co, after a try-lock of it failed (Gridlock made it fail, as "
            "contention can)");
}

// A misuse finding's record of where its lock was taken is one step of its own, not an edge A -> A.
TEST(ReportSarifTest, AMisuseFindingsAcquisitionIsOneStepNotAnEdge) {
  const json sarif = render({{"tool", "gridlock"}, {"version", "0.1.0"}, {"command", "exec"},
                             {"runs", {run("leaky", 1, "clean", "finding", {held_at_exit_finding()})}}});
  expect_structurally_valid(sarif);
  const json* r = result_for(sarif, held_at_exit_fingerprint);
  ASSERT_NE(r, nullptr);
  const json& flows = (*r)["codeFlows"][0]["threadFlows"];
  ASSERT_EQ(flows.size(), 2u) << flows.dump();  // the acquisition, then where the thread exits
  EXPECT_EQ(flows[0]["message"]["text"], "thread 2 (<worker>) acquires A<int>");
  EXPECT_EQ(flows[0]["locations"].size(), 1u);
  EXPECT_EQ(flows[0]["locations"][0]["location"]["physicalLocation"]["region"]["startLine"], 30);
}

TEST(ReportSarifTest, AResultPerDistinctFingerprintAtTheClosingAcquisition) {
  const json sarif = render(report());
  EXPECT_EQ(sarif["runs"][0]["results"].size(), 2u) << "the cycle (hit twice) once, the deadlock; the bare one has no location";
  const json* cycle = result_for(sarif, cycle_fingerprint);
  ASSERT_NE(cycle, nullptr);
  EXPECT_EQ((*cycle)["ruleId"], "lock-order-cycle");
  EXPECT_EQ((*cycle)["level"], "error");
  const json& at = (*cycle)["locations"][0]["physicalLocation"];
  EXPECT_EQ(at["artifactLocation"]["uri"], "src/worker.cpp") << "relative to the source root, past Gridlock's and std's frames";
  EXPECT_EQ(at["artifactLocation"]["uriBaseId"], "SRCROOT");
  EXPECT_EQ(at["region"]["startLine"], 42);
  EXPECT_EQ((*cycle)["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "void app::worker<std::map<int, std::vector<int>>>(app::guard<A&B>&)");
  EXPECT_NE((*cycle)["message"]["text"].get<std::string>().find("gridlock reproduce gl1:abba-1"), std::string::npos);
  EXPECT_EQ((*cycle)["message"]["text"].get<std::string>().find("in test"), std::string::npos) << "no GoogleTest here";
  EXPECT_EQ((*cycle)["properties"]["hits"], 2);
  EXPECT_EQ(sarif["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"], "file:///src/app/");

  // The other edges: both sites of each, as related locations and one thread flow per edge.
  const json& related = (*cycle)["relatedLocations"];
  ASSERT_EQ(related.size(), 4u);
  EXPECT_EQ(related[3]["physicalLocation"]["artifactLocation"]["uri"], "file:///opt/vendor/lib.h") << "outside the root";
  EXPECT_EQ(related[3]["message"]["text"], "thread 1 (main) acquires A<int> while holding B&co");
  std::set<int> ids;
  for (const json& loc : related) EXPECT_TRUE(ids.insert(loc["id"].get<int>()).second);
  EXPECT_EQ((*cycle)["codeFlows"][0]["threadFlows"].size(), 2u);

  const json* deadlock = result_for(sarif, deadlock_fingerprint);
  ASSERT_NE(deadlock, nullptr);
  EXPECT_EQ((*deadlock)["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/main.cpp") << "the blocking join";
  EXPECT_EQ((*deadlock)["locations"][0]["physicalLocation"]["region"]["startLine"], 20);
  EXPECT_EQ((*deadlock)["relatedLocations"].size(), 2u) << "each thread's wait";
  EXPECT_FALSE((*deadlock).contains("baselineState")) << "no baseline, no baseline state";
}

// A program that takes every lock through a function of its own: each of its results pointed at that
// function's one line (code scanning showed every cycle there). Past the calls both locks of an edge
// went through, the lines that called it locate the result and its steps.
TEST(ReportSarifTest, ACycleThroughTheProgramsLockFunctionIsAtTheLinesThatCalledIt) {
  json r = report();
  json& edges = r["runs"][0]["findings"][0]["edges"];
  const auto through = [](const std::string& file, int line) {
    return plumbing_then({frame("app::locked(std::mutex&)", "/src/app/src/locks.cpp", 5), frame("app::step()", file, line),
                          frame("main", "/src/app/src/main.cpp", 7)});
  };
  edges[0]["held_stack"] = through("/src/app/src/worker.cpp", 41);
  edges[0]["acquire_stack"] = through("/src/app/src/worker.cpp", 42);
  edges[1]["held_stack"] = through("/src/app/src/audit.cpp", 30);
  edges[1]["acquire_stack"] = through("/src/app/src/audit.cpp", 31);
  const json sarif = render(r);
  const json* cycle = result_for(sarif, cycle_fingerprint);
  ASSERT_NE(cycle, nullptr);
  const json& at = (*cycle)["locations"][0]["physicalLocation"];
  EXPECT_EQ(at["artifactLocation"]["uri"], "src/worker.cpp");
  EXPECT_EQ(at["region"]["startLine"], 42);
  std::set<std::string> related;
  for (const json& loc : (*cycle)["relatedLocations"])
    related.insert(loc["physicalLocation"]["artifactLocation"]["uri"].get<std::string>() + ":" +
                   std::to_string(loc["physicalLocation"]["region"]["startLine"].get<int>()));
  EXPECT_EQ(related, (std::set<std::string>{"src/worker.cpp:41", "src/worker.cpp:42", "src/audit.cpp:30", "src/audit.cpp:31"}));
}

TEST(ReportSarifTest, AFindingWithoutSourceLinesBecomesANotification) {
  const json sarif = render(report());
  EXPECT_EQ(result_for(sarif, bare_fingerprint), nullptr);
  const json& notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
  ASSERT_EQ(notes.size(), 1u);
  const std::string text = notes[0]["message"]["text"];
  EXPECT_NE(text.find(bare_fingerprint), std::string::npos) << text;
  EXPECT_NE(text.find("gridlock reproduce gl1:bare-1"), std::string::npos) << text;
}

TEST(ReportSarifTest, KnownFindingsAreUnchangedAndSuppressed) {
  json r = report();
  gridlock::reports::apply_baseline(
      r, gridlock::reports::parse_baseline(R"({"version":1,"known":[{"fingerprint":")" + std::string(cycle_fingerprint) +
                                               R"(","reason":"ticket 7"}]})", "known.json"),
      "2030-01-01");
  const json sarif = render(r);
  expect_structurally_valid(sarif);
  EXPECT_EQ((*result_for(sarif, cycle_fingerprint))["baselineState"], "unchanged");
  EXPECT_EQ((*result_for(sarif, cycle_fingerprint))["suppressions"][0]["justification"], "ticket 7");
  EXPECT_EQ((*result_for(sarif, deadlock_fingerprint))["baselineState"], "new");
}

TEST(ReportSarifTest, RegisteredAsSarifAndWrittenAsJson) {
  const fs::path dir = fs::temp_directory_path() / ("report_sarif_test." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto writer = gridlock::reports::make_writer("sarif", {source_root});
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->write(report(), (dir / "report.sarif").string()));
  const json back = json::parse(slurp(dir / "report.sarif"));
  EXPECT_EQ(back, render(report()));
  fs::remove_all(dir);
}

}  // namespace

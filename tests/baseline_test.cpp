// Adoption in an existing codebase: the baseline of known findings (strict parsing, marking, expiry,
// making one from reports), --shard I/N (a deterministic split), and gridlock merge (shards back in the
// run's order), first as functions, then through the gridlock executable as CI runs them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include "report_fixture.h"
#include "reports/baseline.h"
#include "reports/report.h"
#include "runner/shard.h"

namespace {

using nlohmann::json;
using namespace report_fixture;
namespace fs = std::filesystem;
namespace rp = gridlock::reports;

std::string entry(const std::string& fingerprint, const std::string& expires = "") {
  return R"({"fingerprint":")" + fingerprint + R"(","reason":"known")" +
         (expires.empty() ? "" : R"(,"expires":")" + expires + "\"") + "}";
}

TEST(BaselineTest, ParsesStrictly) {
  const rp::baseline b = rp::parse_baseline(R"({"version":1,"known":[)" + entry(cycle_fingerprint, "2031-02-28") + "," +
                                                entry(deadlock_fingerprint) + "]}",
                                            "b.json");
  ASSERT_EQ(b.known.size(), 2u);
  EXPECT_EQ(b.known[0].fingerprint, cycle_fingerprint);
  EXPECT_EQ(b.known[0].expires, "2031-02-28");
  EXPECT_EQ(b.known[1].expires, "");
  EXPECT_TRUE(rp::parse_baseline(R"({"version":1,"known":[]})", "b.json").known.empty());

  for (const std::string& bad : std::vector<std::string>{
           "", "not json", "[]", R"({"known":[]})", R"({"version":2,"known":[]})", R"({"version":1})",
           R"({"version":1,"known":{}})", R"({"version":1,"known":[],"extra":1})", R"({"version":1,"known":[1]})",
           R"({"version":1,"known":[{"reason":"r"}]})", R"({"version":1,"known":[{"fingerprint":"XYZ","reason":"r"}]})",
           R"({"version":1,"known":[{"fingerprint":"1111AAAA2222BBBB","reason":"r"}]})",
           R"({"version":1,"known":[{"fingerprint":"1111aaaa2222bbbb"}]})",
           R"({"version":1,"known":[{"fingerprint":"1111aaaa2222bbbb","reason":""}]})",
           R"({"version":1,"known":[{"fingerprint":"1111aaaa2222bbbb","reason":"r","expiry":"2030-01-01"}]})",
           R"({"version":1,"known":[{"fingerprint":"1111aaaa2222bbbb","reason":"r","expires":"2030-02-30"}]})",
           R"({"version":1,"known":[{"fingerprint":"1111aaaa2222bbbb","reason":"r","expires":"30-01-2030"}]})",
           R"({"version":1,"known":[{"fingerprint":"1111aaaa2222bbbb","reason":"r","expires":20300101}]})",
           "{\"version\":1,\"known\":[" + entry(cycle_fingerprint) + "," + entry(cycle_fingerprint) + "]}"}) {
    SCOPED_TRACE(bad);
    try {
      rp::parse_baseline(bad, "b.json");
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.starts_with("baseline 'b.json': ")) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line";
    }
  }
  EXPECT_TRUE(rp::is_date("2024-02-29"));
  EXPECT_FALSE(rp::is_date("2023-02-29"));
}

TEST(BaselineTest, KnownFindingsPassUntilTheirEntryExpires) {
  json r = report();
  EXPECT_FALSE(rp::passes(r));
  rp::apply_baseline(r, rp::parse_baseline("{\"version\":1,\"known\":[" + entry(deadlock_fingerprint, "2030-06-30") + "]}", "b.json"),
                     "2030-06-30");
  const json& calm = r["runs"][2]["findings"][0];
  EXPECT_EQ(calm["known"], true) << "good through its expiry day";
  EXPECT_EQ(calm["baseline"]["reason"], "known");
  EXPECT_EQ(r["baseline"]["file"], "b.json");
  const auto verdicts = rp::verdicts(r);
  EXPECT_EQ(verdicts[1].name, "calm");
  EXPECT_EQ(verdicts[1].actual, "finding") << "still reported";
  EXPECT_TRUE(verdicts[1].known);
  EXPECT_TRUE(verdicts[1].matches()) << "but does not fail";
  EXPECT_FALSE(verdicts[3].matches()) << "crashy crashed: the baseline does not excuse that";

  rp::apply_baseline(r, rp::parse_baseline("{\"version\":1,\"known\":[" + entry(deadlock_fingerprint, "2030-06-30") + "]}", "b.json"),
                     "2030-07-01");
  EXPECT_FALSE(r["runs"][2]["findings"][0].contains("known")) << "expired: it fails again";
  EXPECT_EQ(r["runs"][2]["findings"][0]["baseline"]["expires"], "2030-06-30");
  EXPECT_FALSE(rp::verdicts(r)[1].matches());

  // An expected finding that is known still counts as the finding its scenario expects.
  rp::apply_baseline(r, rp::parse_baseline("{\"version\":1,\"known\":[" + entry(cycle_fingerprint) + "]}", "b.json"), "2030-01-01");
  EXPECT_TRUE(rp::verdicts(r)[0].matches());
  EXPECT_FALSE(r["runs"][2]["findings"][0].contains("baseline")) << "the previous baseline's marks are gone";
}

TEST(BaselineTest, MadeFromReportsItParsesBackAndKnowsEveryFinding) {
  const json made = rp::make_baseline({report(), report()}, "", "2031-01-31");
  const rp::baseline b = rp::parse_baseline(text_of(made), "made.json");
  ASSERT_EQ(b.known.size(), 3u) << "each distinct finding once";
  EXPECT_EQ(b.known[0].fingerprint, cycle_fingerprint) << "sorted by fingerprint";
  EXPECT_EQ(b.known[1].fingerprint, deadlock_fingerprint);
  EXPECT_TRUE(b.known[1].reason.starts_with("deadlock: deadlock: thread 1 (main)")) << b.known[1].reason;
  EXPECT_EQ(b.known[2].expires, "2031-01-31");
  json r = report();
  rp::apply_baseline(r, b, "2031-01-01");
  EXPECT_FALSE(rp::passes(r)) << "missed and crashy have no finding to know";
  for (const rp::verdict& v : rp::verdicts(r)) {
    if (v.name == "missed" || v.name == "crashy") continue;
    EXPECT_TRUE(v.matches()) << v.name;
  }
}

TEST(ShardTest, ParsesIOfN) {
  const auto s = gridlock::runner::parse_shard("2/3");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 3u);
  for (const char* bad : {"", "1", "0/3", "4/3", "1/0", "a/b", "1/2/3", "-1/2", "1/ 2", "+1/2", "1/99999999999999999999"})
    EXPECT_THROW(gridlock::runner::parse_shard(bad), std::invalid_argument) << bad;
}

TEST(ShardTest, EveryTrialInExactlyOneShardAndMergeRestoresTheOrder) {
  std::vector<int> all(23);
  for (int i = 0; i < 23; ++i) all[static_cast<std::size_t>(i)] = i;
  std::vector<json> shards;
  std::map<int, int> seen;
  for (std::uint64_t i = 1; i <= 5; ++i) {
    const gridlock::runner::shard s{i, 5};
    const std::vector<int> mine = gridlock::runner::select_shard(all, s);
    EXPECT_TRUE(mine.size() == 4 || mine.size() == 5);
    json runs = json::array();
    for (std::size_t p = 0; p < mine.size(); ++p) {
      EXPECT_EQ(static_cast<std::uint64_t>(mine[p]), s.trial_at(p));
      EXPECT_TRUE(s.takes(static_cast<std::uint64_t>(mine[p])));
      ++seen[mine[p]];
      runs.push_back(run("t", static_cast<std::uint64_t>(mine[p]), "clean", "clean"));
    }
    shards.push_back({{"tool", "gridlock"}, {"version", "0.1.0"}, {"command", "run"}, {"shard", {{"index", i}, {"count", 5}}}, {"runs", runs}});
  }
  EXPECT_EQ(seen.size(), 23u);
  for (const auto& [trial, times] : seen) EXPECT_EQ(times, 1) << trial;

  std::swap(shards[0], shards[3]);  // the order given does not matter for shards
  const json merged = rp::merge_reports(shards);
  ASSERT_EQ(merged["runs"].size(), 23u);
  for (std::size_t i = 0; i < 23; ++i) EXPECT_EQ(merged["runs"][i]["seed"], i);
  EXPECT_EQ(merged["command"], "run");
  EXPECT_FALSE(merged.contains("shard"));

  EXPECT_THROW(rp::merge_reports({shards[0], shards[0]}), std::invalid_argument) << "one shard twice";
  json other = report();
  other["command"] = "exec";
  const json mixed = rp::merge_reports({report(), other});
  EXPECT_EQ(mixed["runs"].size(), 14u) << "not shards: joined in the order given";
  EXPECT_EQ(mixed["command"], "merge");
  for (const json& bad : {json::array(), json{{"tool", "other"}, {"runs", json::array()}}, json{{"tool", "gridlock"}},
                         json{{"tool", "gridlock"}, {"runs", {{{"name", "x"}}}}},
                         json{{"tool", "gridlock"}, {"runs", json::array()}, {"shard", {{"index", 3}, {"count", 2}}}}})
    EXPECT_THROW(rp::merge_reports({bad}), std::invalid_argument) << bad;
}

// ---- through the gridlock executable ----

class BaselineCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("baseline_test." + std::to_string(::getpid()) + "." +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// gridlock with these words, in the test's directory; stdout to `out`, stderr to `err`.
  int gridlock(const std::string& words, std::string* out = nullptr, std::string* err = nullptr) {
    const int status = std::system(("cd " + quoted(dir_.string()) + " && " + quoted(GRIDLOCK_BIN) + " " + words + " >stdout 2>stderr </dev/null").c_str());
    if (out) *out = slurp(dir_ / "stdout");
    if (err) *err = slurp(dir_ / "stderr");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  json read(const std::string& file) { return json::parse(slurp(dir_ / file)); }

  fs::path dir_;
};

TEST_F(BaselineCliTest, ShardsOfARunMergeIntoTheRunItself) {
  // Two scenarios over five seeds, split over three machines, then merged.
  std::string list;
  ASSERT_EQ(gridlock("list", &list), 0);
  std::string finding, clean;
  std::istringstream lines(list);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string name, expected;
    words >> name >> expected;
    if (expected == "finding" && finding.empty() && name == "abba") finding = name;
    if (expected == "clean" && clean.empty()) clean = name;
  }
  if (finding.empty() || clean.empty()) GTEST_SKIP() << "needs the abba scenario and a clean one";
  const std::string scenarios = "--scenario " + finding + " --scenario " + clean + " --seeds 5 --jobs 2";
  ASSERT_EQ(gridlock("run " + scenarios + " --json whole.json"), 0);
  for (int i = 1; i <= 3; ++i) {
    std::string out, err;
    ASSERT_EQ(gridlock("run " + scenarios + " --shard " + std::to_string(i) + "/3 --out shard-" + std::to_string(i), &out, &err), 0)
        << out << err;
    EXPECT_EQ(read("shard-" + std::to_string(i) + "/report.json")["shard"], (json{{"index", i}, {"count", 3}}));
    for (const char* file : {"junit.xml", "report.html", "report.sarif"})
      EXPECT_TRUE(fs::exists(dir_ / ("shard-" + std::to_string(i)) / file)) << file;
  }
  std::string out;
  ASSERT_EQ(gridlock("merge shard-3/report.json shard-1/report.json shard-2/report.json --out merged", &out), 0) << out;
  const json whole = read("whole.json"), merged = read("merged/report.json");
  ASSERT_EQ(merged["runs"].size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(merged["runs"][i]["name"], whole["runs"][i]["name"]) << i;
    EXPECT_EQ(merged["runs"][i]["seed"], whole["runs"][i]["seed"]) << i;
  }
  for (const char* file : {"junit.xml", "report.html", "report.sarif"}) EXPECT_TRUE(fs::exists(dir_ / "merged" / file)) << file;
  EXPECT_NE(out.find("2 verdict(s), 2 as expected"), std::string::npos) << out;
}

TEST_F(BaselineCliTest, ABaselineTurnsKnownFindingsGreenUntilItExpires) {
  spit(dir_ / "found.json", text_of(report()));
  std::string out, err;
  EXPECT_EQ(gridlock("merge found.json --junit before.xml", &out, &err), 1) << out << err;

  ASSERT_EQ(gridlock("baseline found.json", &out, &err), 0) << err;
  spit(dir_ / "baseline.json", out);
  EXPECT_EQ(json::parse(out)["known"].size(), 3u);

  // missed and crashy fail whatever the baseline says; a report with only the findings passes.
  json findings_only = report();
  findings_only["runs"].erase(5);  // crashy
  findings_only["runs"].erase(4);  // missed
  spit(dir_ / "findings.json", text_of(findings_only));
  EXPECT_EQ(gridlock("merge findings.json", &out, &err), 1) << out << err;
  EXPECT_EQ(gridlock("merge findings.json --baseline baseline.json --out known", &out, &err), 0) << out << err;
  const json known = read("known/report.json");
  EXPECT_EQ(known["runs"][2]["findings"][0]["known"], true);
  EXPECT_EQ(read("known/report.sarif")["runs"][0]["results"][0]["baselineState"], "unchanged");
  EXPECT_NE(slurp(dir_ / "known" / "junit.xml").find("failures=\"0\""), std::string::npos);

  ASSERT_EQ(gridlock("baseline findings.json --expires 2000-01-01 --reason 'ticket 9'", &out, &err), 0) << err;
  spit(dir_ / "expired.json", out);
  EXPECT_EQ(json::parse(out)["known"][0]["reason"], "ticket 9");
  EXPECT_EQ(gridlock("merge findings.json --baseline expired.json", &out, &err), 1) << "expired entries fail again: " << out;
}

TEST_F(BaselineCliTest, BadInputExitsTwoWithOneLine) {
  spit(dir_ / "not-a-report.json", R"({"tool": "other"})");
  spit(dir_ / "not-json.json", "{");
  spit(dir_ / "bad-baseline.json", R"({"version": 1, "known": [{"fingerprint": "nope", "reason": "r"}]})");
  spit(dir_ / "ok.json", text_of(report()));
  for (const std::string& words : std::vector<std::string>{
           "run --shard 0/2", "run --shard 3/2", "run --shard 1/0", "run --shard x", "run --shard 1/2/3", "run --shard",
           "reproduce gl1:e30 --shard 1/2", "run --baseline missing.json", "run --baseline bad-baseline.json",
           "run --baseline not-json.json", "run --source-root missing-dir", "run --junit missing-dir/j.xml",
           "run --html .", "run --sarif ''", "merge", "merge missing.json", "merge not-a-report.json", "merge not-json.json",
           "merge ok.json ok.json --bogus", "merge ok.json --out ok.json", "baseline", "baseline not-a-report.json",
           "baseline ok.json --expires tomorrow", "baseline ok.json --expires 2024-13-01", "baseline ok.json --reason ''"}) {
    SCOPED_TRACE(words);
    std::string out, err;
    EXPECT_EQ(gridlock(words, &out, &err), 2);
    EXPECT_TRUE(err.starts_with("gridlock: error: ")) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(out, "");
  }
  EXPECT_FALSE(fs::exists(dir_ / "gridlock-report")) << "nothing ran";
}

}  // namespace

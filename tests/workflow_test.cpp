// The GitHub Actions workflow (ci/gridlock.yml, copied to .github/workflows/): it parses, it has the
// jobs the README promises, every expression names a step, job output or matrix key that exists (a
// misspelt one is silently empty on GitHub), and every command a `run:` step runs exists: scripts in
// the repository, tools on the PATH, gridlock subcommands with each option given. The step that prints
// failures' reproduce lines is run on real reports.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "report_fixture.h"

namespace {

using nlohmann::json;
using report_fixture::quoted;
using report_fixture::slurp;
using report_fixture::spit;
namespace fs = std::filesystem;

const fs::path source_root = GRIDLOCK_SOURCE_ROOT;
const fs::path workflow_path = source_root / "ci/gridlock.yml";

using words = std::vector<std::string>;

/// The simple commands of a shell script: words with quotes removed, split at newlines, `;`, `&&`,
/// `||`, `|` and `&`. Enough for run steps kept to plain command lists; command substitution is refused.
std::vector<words> simple_commands(const std::string& script) {
  std::vector<words> commands(1);
  std::string word;
  bool in_word = false;
  const auto end_word = [&] {
    if (in_word) commands.back().push_back(word);
    word.clear();
    in_word = false;
  };
  const auto end_command = [&] {
    end_word();
    if (!commands.back().empty()) commands.emplace_back();
  };
  for (std::size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    if (c == '\'' || c == '"') {
      const std::size_t close = script.find(c, i + 1);
      if (close == std::string::npos) throw std::runtime_error("unterminated quote in: " + script);
      word += script.substr(i + 1, close - i - 1);
      in_word = true;
      i = close;
    } else if ((c == '$' && i + 1 < script.size() && script[i + 1] == '(') || c == '`') {
      throw std::runtime_error("command substitution: keep run steps to plain commands: " + script);
    } else if (c == '\\' && i + 1 < script.size() && script[i + 1] == '\n') {
      ++i;
    } else if (c == '#' && !in_word) {
      i = script.find('\n', i) - 1;  // npos - 1 still ends the loop
    } else if (c == ' ' || c == '\t') {
      end_word();
    } else if (c == '\n' || c == ';' || c == '&' || c == '|') {
      end_command();
      if (i + 1 < script.size() && (c == '&' || c == '|') && script[i + 1] == c) ++i;
    } else {
      word += c;
      in_word = true;
    }
  }
  end_command();
  commands.pop_back();
  return commands;
}

/// As GitHub would hand it to the shell, every `${{ expression }}` replaced by a value that fits where
/// this workflow uses them (a shard number, a shard count).
std::string without_expressions(const std::string& script) {
  return std::regex_replace(script, std::regex(R"(\$\{\{[^}]*\}\})"), "1");
}

/// Every scalar under a node, depth first.
void scalars(const YAML::Node& node, std::vector<std::string>& out) {
  if (node.IsScalar()) out.push_back(node.as<std::string>());
  if (node.IsSequence())
    for (const YAML::Node& item : node) scalars(item, out);
  if (node.IsMap())
    for (const auto& entry : node) {
      scalars(entry.first, out);
      scalars(entry.second, out);
    }
}

std::set<std::string> keys(const YAML::Node& map) {
  std::set<std::string> names;
  if (map.IsMap())
    for (const auto& entry : map) names.insert(entry.first.as<std::string>());
  return names;
}

struct step_ref {
  std::string job;
  YAML::Node step;
};

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("workflow_test." + std::to_string(::getpid()) + "." + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    workflow_ = YAML::LoadFile(workflow_path.string());
    ASSERT_TRUE(workflow_["jobs"].IsMap());
    for (const auto& job : workflow_["jobs"])
      for (const YAML::Node& step : job.second["steps"]) steps_.push_back({job.first.as<std::string>(), step});
  }

  void TearDown() override { fs::remove_all(dir_); }

  /// Runs a shell command in the test's own directory.
  report_fixture::result shell(const std::string& command) const {
    return report_fixture::shell("cd " + quoted(dir_.string()) + " && " + command, dir_ / "output");
  }

  std::vector<step_ref> run_steps() const {
    std::vector<step_ref> found;
    for (const step_ref& s : steps_)
      if (s.step["run"]) found.push_back(s);
    return found;
  }

  std::vector<YAML::Node> uses(const std::string& action) const {
    std::vector<YAML::Node> found;
    for (const step_ref& s : steps_)
      if (s.step["uses"] && s.step["uses"].as<std::string>().rfind(action + "@", 0) == 0) found.push_back(s.step);
    return found;
  }

  /// The words of every command the run steps give to gridlock, from the subcommand on.
  std::vector<words> gridlock_commands() const {
    std::vector<words> found;
    for (const step_ref& s : run_steps())
      for (const words& command : simple_commands(without_expressions(s.step["run"].as<std::string>())))
        if (fs::path(command.front()).filename() == "gridlock") found.emplace_back(command.begin() + 1, command.end());
    return found;
  }

  fs::path dir_;
  YAML::Node workflow_;
  std::vector<step_ref> steps_;
};

TEST_F(WorkflowTest, GithubCopyIsTheSameFile) {
  EXPECT_EQ(slurp(source_root / ".github/workflows/gridlock.yml"), slurp(workflow_path));
}

TEST_F(WorkflowTest, JobsAndStepsAreWellFormed) {
  EXPECT_TRUE(workflow_["name"] && workflow_["on"]);
  const std::set<std::string> jobs = keys(workflow_["jobs"]);
  for (const auto& entry : workflow_["jobs"]) {
    const std::string job = entry.first.as<std::string>();
    const YAML::Node& body = entry.second;
    EXPECT_TRUE(body["runs-on"]) << job;
    ASSERT_TRUE(body["steps"].IsSequence()) << job;
    std::vector<std::string> needs;
    if (body["needs"]) scalars(body["needs"], needs);
    for (const std::string& need : needs) EXPECT_TRUE(jobs.count(need)) << job << " needs " << need;
    for (const YAML::Node& step : body["steps"]) {
      EXPECT_NE(!step["uses"], !step["run"]) << job << ": a step either uses an action or runs commands";
      if (step["uses"]) {
        EXPECT_TRUE(std::regex_match(step["uses"].as<std::string>(), std::regex(R"([\w.-]+/[\w./-]+@v\d+)")))
            << job << ": " << step["uses"] << " (owner/repository@vN)";
      }
    }
  }
}

TEST_F(WorkflowTest, ExpressionsNameWhatExists) {
  const std::regex step_ref(R"(\bsteps\.([\w-]+)\.)"), output_ref(R"(\bneeds\.([\w-]+)\.outputs\.([\w-]+))"),
      matrix_ref(R"(\bmatrix\.([\w-]+))");
  for (const auto& entry : workflow_["jobs"]) {
    const std::string job = entry.first.as<std::string>();
    const YAML::Node& body = entry.second;
    std::set<std::string> step_ids;
    for (const YAML::Node& step : body["steps"])
      if (step["id"]) step_ids.insert(step["id"].as<std::string>());
    std::vector<std::string> needs, texts;
    if (body["needs"]) scalars(body["needs"], needs);
    scalars(body, texts);
    for (const std::string& text : texts) {
      for (std::sregex_iterator m(text.begin(), text.end(), step_ref), end; m != end; ++m)
        EXPECT_TRUE(step_ids.count((*m)[1])) << job << ": no step with id " << (*m)[1];
      for (std::sregex_iterator m(text.begin(), text.end(), output_ref), end; m != end; ++m) {
        EXPECT_NE(std::find(needs.begin(), needs.end(), (*m)[1].str()), needs.end()) << job << " does not need " << (*m)[1];
        EXPECT_TRUE(workflow_["jobs"][(*m)[1].str()]["outputs"][(*m)[2].str()]) << (*m)[1] << " has no output " << (*m)[2];
      }
      for (std::sregex_iterator m(text.begin(), text.end(), matrix_ref), end; m != end; ++m)
        EXPECT_TRUE(body["strategy"]["matrix"][(*m)[1].str()]) << job << ": no matrix key " << (*m)[1];
    }
  }
}

TEST_F(WorkflowTest, DoesWhatTheReadmeSays) {
  std::vector<std::string> scripts;
  for (const step_ref& s : run_steps()) scripts.push_back(s.step["run"].as<std::string>());
  const auto runs = [&](const std::string& pattern) {
    return std::any_of(scripts.begin(), scripts.end(), [&](const std::string& s) { return std::regex_search(s, std::regex(pattern)); });
  };
  EXPECT_TRUE(runs(R"(bash ci/install-deps\.sh)"));
  EXPECT_TRUE(runs(R"(ctest .*-L deadlock)"));
  EXPECT_TRUE(runs(R"(gridlock run .*--shard \$\{\{ matrix\.shard \}\}/\$\{\{ strategy\.job-total \}\})"));
  EXPECT_TRUE(runs(R"(gridlock merge gridlock-shard-\*/report\.json)"));
  EXPECT_FALSE(uses("actions/upload-artifact").empty());
  EXPECT_FALSE(uses("mikepenz/action-junit-report").empty());

  // Code scanning replaces a category's alerts with each upload: one category per SARIF file.
  const std::vector<YAML::Node> sarif = uses("github/codeql-action/upload-sarif");
  ASSERT_FALSE(sarif.empty());
  std::set<std::string> categories;
  for (const YAML::Node& upload : sarif) {
    ASSERT_TRUE(upload["with"]["category"]) << "upload-sarif without a category";
    EXPECT_TRUE(categories.insert(upload["with"]["category"].as<std::string>()).second) << upload["with"]["category"];
  }
}

TEST_F(WorkflowTest, EveryRunStepIsValidShellAndItsCommandsExist) {
  const fs::path script_file = dir_ / "step.sh";
  for (const step_ref& s : run_steps()) {
    const std::string script = without_expressions(s.step["run"].as<std::string>());
    report_fixture::spit(script_file, script);
    const report_fixture::result syntax = shell("bash -n " + quoted(script_file.string()));
    EXPECT_EQ(syntax.code, 0) << s.job << ": " << script << "\n" << syntax.output;
    for (const words& command : simple_commands(script)) {
      const std::string& program = command.front();
      if (program == "bash" || program == "sh") {
        ASSERT_GE(command.size(), 2u) << script;
        EXPECT_TRUE(fs::is_regular_file(source_root / command[1])) << s.job << ": no script " << command[1];
      } else if (fs::path(program).filename() == "gridlock") {
        EXPECT_TRUE(program.ends_with("bin/gridlock")) << s.job << ": " << program << " (an installed or built gridlock)";
      } else {
        EXPECT_EQ(shell("command -v " + quoted(program)).code, 0) << s.job << ": no command " << program;
      }
    }
  }
}

TEST_F(WorkflowTest, GridlockSubcommandsAndOptionsExist) {
  const std::vector<words> commands = gridlock_commands();
  ASSERT_FALSE(commands.empty());
  for (const words& command : commands) {
    const report_fixture::result help = shell(quoted(GRIDLOCK_BIN) + " " + quoted(command.front()) + " --help");
    ASSERT_EQ(help.code, 0) << command.front() << ": " << help.output;
    for (const std::string& word : command) {
      if (word == "--") break;  // the program's own arguments (exec)
      if (word.rfind("--", 0) != 0) continue;
      const std::string option = word.substr(0, word.find('='));
      EXPECT_TRUE(std::regex_search(help.output, std::regex("(^|\\s)" + option + "([\\s\\]=]|$)")))
          << "gridlock " << command.front() << " has no option " << option;
    }
  }
}

TEST_F(WorkflowTest, PrintsTheReproduceLineOfEachFailureOnly) {
  const step_ref* printing = nullptr;
  const std::vector<step_ref> steps = run_steps();
  for (const step_ref& s : steps)
    if (s.step["name"] && s.step["name"].as<std::string>() == "Print each failure's reproduce line") printing = &s;
  ASSERT_NE(printing, nullptr);
  fs::create_directories(dir_ / "scenario-report");
  const auto print = [&] { return shell(printing->step["run"].as<std::string>()); };

  // The scenarios: a report whose failures are known (report_fixture.h): calm's unexpected deadlock and
  // crashy's crash; abba found what it expects, missed has no reproduce line.
  spit(dir_ / "scenario-report/report.json", report_fixture::text_of(report_fixture::report()));
  // The deadlock tests: a real lock-order inversion under gridlock exec.
  const report_fixture::result exec =
      shell(quoted(GRIDLOCK_BIN) + " exec --runs 1 --out deadlock-report -- " +
            quoted(std::string(GRIDLOCK_STD_PROGRAMS) + "/std_lock_order_inversion"));
  ASSERT_EQ(exec.code, 1) << exec.output;
  const json run = json::parse(slurp(dir_ / "deadlock-report/report.json"))["runs"][0];

  const report_fixture::result printed = print();
  ASSERT_EQ(printed.code, 0) << printed.output;
  EXPECT_EQ(printed.output, "::error title=calm seed 1 (finding)::gridlock reproduce gl1:calm-1\n"
                            "::error title=crashy seed 1 (crash)::gridlock reproduce gl1:crashy-1\n"
                            "::error title=" + run["name"].get<std::string>() + " seed 1 (finding)::" +
                                run["reproduce"].get<std::string>() + "\n");

  // A finding the baseline knows is no failure.
  const report_fixture::result baseline =
      shell("{ " + quoted(GRIDLOCK_BIN) + " baseline deadlock-report/report.json > known.json; }");
  ASSERT_EQ(baseline.code, 0) << baseline.output;
  const report_fixture::result merge =
      shell(quoted(GRIDLOCK_BIN) + " merge deadlock-report/report.json --baseline known.json --out deadlock-report");
  ASSERT_EQ(merge.code, 0) << merge.output;
  EXPECT_EQ(print().output, "::error title=calm seed 1 (finding)::gridlock reproduce gl1:calm-1\n"
                            "::error title=crashy seed 1 (crash)::gridlock reproduce gl1:crashy-1\n");
}

}  // namespace

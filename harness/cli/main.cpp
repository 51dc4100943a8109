// The gridlock executable: dispatches on the command word, and turns every error into one line on
// stderr and exit code 2, so no input can crash it.
#include <array>
#include <exception>
#include <iostream>
#include <string_view>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "runner/child_process.h"

namespace {

using namespace gridlock::cli;

struct command {
  std::string_view name;
  int (*run)(const arguments&);
  std::string_view summary;  // empty: not listed in --help
};

constexpr std::array<command, 7> commands = {{
    {"run", run_command, "run scenarios, each seed in a child process of its own, and report"},
    {"exec", exec_command, "run an unmodified program many times under the interposer, and report"},
    {"list", list_command, "list the built-in scenarios with their expected verdict"},
    {"reproduce", reproduce_command, "re-run the one trial a report's reproduce token names"},
    {"merge", merge_command, "join reports (the shards of one run) into one, in every format"},
    {"baseline", baseline_command, "write a baseline of known findings from reports, to stdout"},
    {"__trial", trial_command, ""},
}};

void print_help() {
  std::cout << "usage: gridlock <command> [options]\n\n"
               "Gridlock runs concurrency scenarios under deadlock detectors, in isolated child processes.\n\n"
               "commands:\n";
  for (const command& c : commands)
    if (!c.summary.empty()) std::cout << "  " << c.name << std::string(11 - c.name.size(), ' ') << c.summary << "\n";
  std::cout << "\n'gridlock <command> --help' shows a command's options.\n"
               "exit codes: 0 every verdict as expected (reproduce: the finding did not come back),\n"
               "            1 a verdict differs (reproduce: the finding came back), 2 bad input\n";
}

/// One line: a message from Boost or the system may carry newlines.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

int dispatch(const arguments& words) {
  if (words.empty()) throw usage_error("no command given (see gridlock --help)");
  const std::string& word = words.front();
  if (word == "--help" || word == "-h") {
    print_help();
    return 0;
  }
  if (word == "--version") {
    std::cout << "gridlock " << GRIDLOCK_VERSION << "\n";
    return 0;
  }
  for (const command& c : commands)
    if (c.name == word) return c.run(arguments(words.begin() + 1, words.end()));
  if (word.starts_with("-")) throw usage_error("unrecognised option '" + word + "' (see gridlock --help)");
  throw usage_error("unknown command '" + word + "' (see gridlock --help)");
}

}  // namespace

int main(int argc, char** argv) {
  int code = 2;
  try {
    code = dispatch(arguments(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "gridlock: error: " << one_line(e.what()) << std::endl;
  }
  // Interrupted while running trials (run_session): the reports of those that ended are written; the
  // runner ends as the signal would have ended it.
  std::cout.flush();
  gridlock::runner::child_process::end_as_interrupted();
  return code;
}

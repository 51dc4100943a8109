// gridlock __trial --scenario NAME --seed S: runs one scenario's body in this process and exits 0 when
// it returns. Not for people: the runner starts it (trial.cpp), one fresh process per trial, with the
// finding stream on GRIDLOCK_STREAM_FD.
#include "cli/arguments.h"
#include "cli/commands.h"
#include "crash_report.h"
#include "state_request.h"
#include "scenario.h"

namespace gridlock::cli {

int trial_command(const arguments& args) {
  po::options_description options;
  options.add_options()
      ("scenario", po::value<std::string>()->required())
      ("seed", po::value<std::string>()->required());
  const po::variables_map vm = parse_arguments(args, options);
  const std::string name = vm["scenario"].as<std::string>();
  const scenarios::scenario* s = scenarios::find(name);
  if (s == nullptr) throw usage_error("no scenario named '" + name + "'");
  scenarios::context context(parse_count("--seed", vm["seed"].as<std::string>(), 0, UINT64_MAX));
  answer_state_requests();
  report_crashes();
  s->body(context);
  return 0;
}

}  // namespace gridlock::cli

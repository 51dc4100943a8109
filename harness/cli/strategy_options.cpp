#include "cli/strategy_options.h"

namespace gridlock::cli {

void add_strategy_options(po::options_description& options, bool from_token) {
  std::string names;
  for (std::string_view name : strategy_names) names += (names.empty() ? "" : "|") + std::string(name);
  const std::string strategy_default = from_token ? "default: the token's" : "default none: README.md says why";
  const std::string depth_default = from_token ? "default: the token's" : "default " + std::to_string(default_pct_depth);
  options.add_options()
      ("strategy", po::value<std::string>()->value_name(names), ("how each trial's threads are scheduled (" + strategy_default + ")").c_str())
      ("pct-depth", po::value<std::string>()->value_name("D"), ("pct's depth: D - 1 priority change points, 1 to " + std::to_string(max_pct_depth) + " (" + depth_default + ")").c_str());
}

void apply_strategy_options(const po::variables_map& vm, runner::trial_spec& spec) {
  if (vm.count("strategy")) {
    const std::string name = vm["strategy"].as<std::string>();
    if (!is_strategy(name)) {
      std::string names;
      for (std::string_view s : strategy_names) names += (names.empty() ? "" : ", ") + std::string(s);
      throw usage_error("--strategy must be one of " + names + ", not '" + name + "'");
    }
    spec.strategy = name;
    if (name != "controlled") spec.schedule.clear();  // a schedule replays the controlled strategy only
  }
  if (vm.count("pct-depth")) {
    if (spec.strategy != "pct") throw usage_error("--pct-depth applies only to --strategy pct");
    spec.pct_depth = static_cast<unsigned>(parse_count("--pct-depth", vm["pct-depth"].as<std::string>(), 1, max_pct_depth));
  }
}

}  // namespace gridlock::cli

// gridlock merge FILE.json...: one report from the reports of several runs, usually the shards of one
// run spread over a CI matrix (--shard I/N), which come back in the run's own trial order. Writes the
// formats asked for (nothing by default), prints the summary, and exits like the run would have: 0
// when every verdict is as expected, 1 otherwise, 2 for bad input (an input that is not a Gridlock
// report, a shard given twice, bad options).
#include <iostream>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/console.h"
#include "cli/report_outputs.h"
#include "reports/report.h"

namespace gridlock::cli {

int merge_command(const arguments& args) {
  po::options_description options("usage: gridlock merge REPORT.json... [options]\n\noptions");
  options.add_options()("help,h", "show this help");
  add_output_options(options);
  const po::variables_map vm = parse_arguments_with_inputs(args, options);
  if (vm.count("help")) {
    std::cout << options
              << "\nEach REPORT.json is a JSON report of gridlock run, exec or reproduce (report.json of --out).\n"
                 "Shards of one run are put back in the run's trial order; other reports are joined in the order given.\n"
                 "--baseline marks known findings anew; without it the inputs' marks stay.\n";
    return 0;
  }
  if (!vm.count("input")) throw usage_error("merge needs the JSON reports to merge (gridlock merge REPORT.json...)");
  const report_outputs outputs = parse_report_outputs(vm, "");

  std::vector<nlohmann::json> inputs;
  nlohmann::json merged;
  try {
    for (const std::string& path : vm["input"].as<std::vector<std::string>>()) inputs.push_back(reports::read_report(path));
    merged = reports::merge_reports(inputs);
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
  mark_known(merged, outputs);
  const std::vector<reports::verdict> verdicts = reports::verdicts(merged);
  print_summary(outputs.console(), merged, verdicts, outputs.paths());
  write_reports(merged, outputs);
  return reports::passes(merged) ? 0 : 1;
}

}  // namespace gridlock::cli

// gridlock list: the built-in scenarios, one a line: name, expected verdict, description.
#include <algorithm>
#include <iostream>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "scenario.h"

namespace gridlock::cli {

int list_command(const arguments& args) {
  po::options_description options("usage: gridlock list\n\noptions");
  options.add_options()("help,h", "show this help");
  const po::variables_map vm = parse_arguments(args, options);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  const std::vector<const scenarios::scenario*> all = scenarios::all();
  std::size_t width = 0;
  for (const scenarios::scenario* s : all) width = std::max(width, s->name.size());
  for (const scenarios::scenario* s : all) {
    const std::string_view expected = s->expected == scenarios::verdict::finding ? "finding" : "clean";
    std::cout << s->name << std::string(width - s->name.size() + 2, ' ') << expected
              << std::string(9 - expected.size(), ' ') << s->description << "\n";
  }
  return 0;
}

}  // namespace gridlock::cli

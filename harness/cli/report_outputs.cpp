#include "cli/report_outputs.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "reports/json_writer.h"

namespace gridlock::cli {
namespace {

namespace fs = std::filesystem;

bool writable_directory(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && ::access(dir.c_str(), W_OK | X_OK) == 0;
}

/// A report file may be created or replaced at `file`.
void check_file(const std::string& option, const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw usage_error(option + " '" + file.string() + "' is a directory");
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (!writable_directory(dir))
    throw usage_error(option + " '" + file.string() + "': '" + dir.string() + "' is not a writable directory");
}

std::string out_directory(const std::string& dir) {
  std::error_code ec;
  if (dir.empty()) throw usage_error("--out needs a directory");
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw usage_error("--out '" + dir + "' is not a directory");
  fs::create_directories(dir, ec);
  if (ec) throw usage_error("--out '" + dir + "' cannot be created: " + ec.message());
  if (!writable_directory(dir)) throw usage_error("--out '" + dir + "' is not writable");
  return (fs::path(dir) / "report.json").string();
}

}  // namespace

void add_output_options(po::options_description& options) {
  options.add_options()
      ("json", po::value<std::string>()->value_name("FILE"), "write the JSON report to FILE")
      ("out", po::value<std::string>()->value_name("DIR"), "write the reports into DIR (DIR/report.json)");
}

std::vector<std::string> report_paths(const po::variables_map& vm, const std::string& default_out) {
  std::vector<std::string> paths;
  if (vm.count("json")) {
    const std::string file = vm["json"].as<std::string>();
    if (file.empty()) throw usage_error("--json needs a file name");
    check_file("--json", file);
    paths.push_back(file);
  }
  const bool explicit_out = vm.count("out") != 0;
  if (explicit_out || (paths.empty() && !default_out.empty())) {
    const std::string file = out_directory(explicit_out ? vm["out"].as<std::string>() : default_out);
    check_file("--out", file);
    paths.push_back(file);
  }
  return paths;
}

void write_reports(const nlohmann::json& report, const std::vector<std::string>& paths) {
  const reports::json_writer writer;
  for (const std::string& path : paths)
    if (!writer.write(report, path)) throw std::runtime_error("cannot write the report to '" + path + "'");
}

}  // namespace gridlock::cli

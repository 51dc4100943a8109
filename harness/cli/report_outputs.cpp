#include "cli/report_outputs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "reports/report_formats.h"

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

fs::path out_directory(const std::string& dir) {
  std::error_code ec;
  if (dir.empty()) throw usage_error("--out needs a directory");
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw usage_error("--out '" + dir + "' is not a directory");
  fs::create_directories(dir, ec);
  if (ec) throw usage_error("--out '" + dir + "' cannot be created: " + ec.message());
  if (!writable_directory(dir)) throw usage_error("--out '" + dir + "' is not writable");
  return dir;
}

}  // namespace

std::vector<std::string> report_outputs::paths() const {
  std::vector<std::string> out;
  for (const target& t : targets) out.push_back(t.path);
  return out;
}

std::ostream& report_outputs::console() const {
  struct stat out, st;
  if (::fstat(STDOUT_FILENO, &out) != 0) return std::cout;
  for (const target& t : targets)
    if (::stat(t.path.c_str(), &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino) return std::cerr;
  return std::cout;
}

void add_output_options(po::options_description& options) {
  for (const reports::report_format& f : reports::report_formats)
    options.add_options()(std::string(f.name).c_str(), po::value<std::string>()->value_name("FILE"),
                          ("write " + std::string(f.what) + " to FILE").c_str());
  options.add_options()
      ("out", po::value<std::string>()->value_name("DIR"),
       "write every report into DIR: report.json, junit.xml, report.html, report.sarif")
      ("source-root", po::value<std::string>()->value_name("DIR"),
       "source paths under DIR are written relative to it (SARIF, JUnit, HTML); default: the current directory")
      ("baseline", po::value<std::string>()->value_name("FILE"),
       "findings listed in FILE are reported as known and do not fail (see gridlock baseline)");
}

report_outputs parse_report_outputs(const po::variables_map& vm, const std::string& default_out) {
  report_outputs outputs;
  // The checks that create nothing come first, so a bad invocation leaves no directory behind.
  std::error_code ec;
  const std::string root = vm.count("source-root") ? vm["source-root"].as<std::string>() : ".";
  if (root.empty() || !fs::is_directory(root, ec)) throw usage_error("--source-root '" + root + "' is not a directory");
  outputs.source_root = fs::absolute(root, ec).lexically_normal().string();

  if (vm.count("baseline")) {
    try {
      outputs.baseline = reports::read_baseline(vm["baseline"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw usage_error(e.what());
    }
  }

  for (const reports::report_format& f : reports::report_formats) {
    const std::string option = std::string(f.name);
    if (!vm.count(option)) continue;
    const std::string file = vm[option].as<std::string>();
    if (file.empty()) throw usage_error("--" + option + " needs a file name");
    check_file("--" + option, file);
    outputs.targets.push_back({option, file});
  }
  const bool explicit_out = vm.count("out") != 0;
  if (explicit_out || (outputs.targets.empty() && !default_out.empty())) {
    const fs::path dir = out_directory(explicit_out ? vm["out"].as<std::string>() : default_out);
    outputs.out_dir = dir.string();
    for (const reports::report_format& f : reports::report_formats) {
      const fs::path file = dir / f.out_file;
      check_file("--out", file);
      outputs.targets.push_back({std::string(f.name), file.string()});
    }
  }
  return outputs;
}

void mark_known(nlohmann::json& report, const report_outputs& outputs) {
  if (outputs.baseline) reports::apply_baseline(report, *outputs.baseline, reports::today_utc());
}

void write_reports(const nlohmann::json& report, const report_outputs& outputs) {
  const reports::writer_settings settings{outputs.source_root};
  for (const report_outputs::target& t : outputs.targets) {
    const std::unique_ptr<reports::report_writer> writer = reports::make_writer(t.format, settings);
    errno = 0;
    if (!writer || !writer->write(report, t.path))
      throw std::runtime_error("cannot write the report to '" + t.path + "'" +
                               (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()));
  }
}

}  // namespace gridlock::cli

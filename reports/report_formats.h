// Every report format by name, one writer each (report_writer.h), so the CLI adds an option and an
// --out file per format from this one table, and a new format is one new writer and one row here.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "reports/report_writer.h"

namespace gridlock::reports {

struct report_format {
  std::string_view name;      ///< the option that asks for it: --json, --junit, --html, --sarif
  std::string_view out_file;  ///< its file in an --out directory
  std::string_view what;      ///< for --help
};

inline constexpr std::array<report_format, 4> report_formats = {{
    {"json", "report.json", "the JSON report (the model every other format is made from)"},
    {"junit", "junit.xml", "JUnit XML for CI test reporters: a testcase per scenario or program"},
    {"html", "report.html", "one self-contained HTML page: findings with their graphs and stacks"},
    {"sarif", "report.sarif", "SARIF 2.1.0 for code scanning (GitHub upload-sarif)"},
}};

/// What writers need beyond the report.
struct writer_settings {
  /// Source paths under it are written relative to it (SARIF artifact URIs, JUnit file attributes).
  std::string source_root = ".";
};

/// The writer for the format called `name` (a report_formats row); null for an unknown name.
std::unique_ptr<report_writer> make_writer(std::string_view name, const writer_settings& settings);

}  // namespace gridlock::reports

// One interface for every report format (JSON, JUnit, HTML, SARIF), so the CLI writes a report the
// same way whatever the format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace gridlock::reports {

class report_writer {
 public:
  virtual ~report_writer() = default;
  /// Writes the report (report.h) to `path` as write_report_file() does. False, with errno saying why,
  /// if it cannot be written.
  virtual bool write(const nlohmann::json& report, const std::string& path) const = 0;
};

}  // namespace gridlock::reports

// One interface for every report format (JSON now; JUnit, HTML and SARIF later), so the CLI writes a
// report the same way whatever the format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace gridlock::reports {

class report_writer {
 public:
  virtual ~report_writer() = default;
  /// Writes the report (report.h) to `path`, atomically. False if the file cannot be written.
  virtual bool write(const nlohmann::json& report, const std::string& path) const = 0;
};

}  // namespace gridlock::reports

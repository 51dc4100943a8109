#include "reports/json_writer.h"

#include "report_file.h"

namespace gridlock::reports {

bool json_writer::write(const nlohmann::json& report, const std::string& path) const {
  // Replace, not throw: a child's stdout or stderr tail may be cut mid-character, or not UTF-8 at all.
  return write_report_file(path, report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace gridlock::reports

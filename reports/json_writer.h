// The JSON report: the report model itself, as the file docs/report-format.md describes.
#pragma once

#include "reports/report_writer.h"

namespace gridlock::reports {

class json_writer final : public report_writer {
 public:
  bool write(const nlohmann::json& report, const std::string& path) const override;
};

}  // namespace gridlock::reports

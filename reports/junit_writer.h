// JUnit XML, as the common CI reporters read it (GitHub Actions test-report actions, GitLab, Jenkins):
// one named testsuite, a testcase per scenario or program. A testcase fails by the report's
// failing_rule (report.h): its failure's message names the finding kind and locks, its text holds each
// finding's summary with the top frames of both sides and the `gridlock reproduce` line; file and line
// locate the finding where known. ctest's own --output-junit has neither message nor location.
// tests/data/junit.xsd is the schema this output keeps to.
#pragma once

#include <string>

#include "reports/report_writer.h"

namespace gridlock::reports {

class junit_writer final : public report_writer {
 public:
  /// Files under `source_root` are named relative to it.
  explicit junit_writer(std::string source_root = ".") : source_root_(std::move(source_root)) {}
  bool write(const nlohmann::json& report, const std::string& path) const override;
  /// The document write() writes.
  std::string render(const nlohmann::json& report) const;

 private:
  std::string source_root_;
};

}  // namespace gridlock::reports

// SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif): one run of the tool
// "Gridlock", a rule per finding kind (rule id = the kind, with help text), a result per distinct
// fingerprint located at the first user frame of the acquisition that closes the cycle (or of the
// blocking call or misuse), the other edges and threads as relatedLocations and codeFlows, and the
// fingerprint as partialFingerprints. Artifact URIs are relative to the source root (uriBaseId
// SRCROOT); files outside it keep absolute file:// URIs. A finding with no source line at all (no debug
// information) gets no result, since code scanning requires a location: a toolExecutionNotification
// names it instead. Known findings (baseline.h) carry baselineState "unchanged" and an external
// suppression with the baseline's reason.
#pragma once

#include <string>

#include "reports/report_writer.h"

namespace gridlock::reports {

class sarif_writer final : public report_writer {
 public:
  /// Artifact URIs are made relative to `source_root`.
  explicit sarif_writer(std::string source_root = ".") : source_root_(std::move(source_root)) {}
  bool write(const nlohmann::json& report, const std::string& path) const override;
  /// The SARIF log write() writes.
  nlohmann::json render(const nlohmann::json& report) const;

 private:
  std::string source_root_;
};

}  // namespace gridlock::reports

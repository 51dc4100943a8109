// The HTML report: one self-contained page (inline style, script and SVG; no external scripts, styles,
// fonts or images, so it works offline and as a CI artifact) that a person reads in a minute. Findings
// first, each distinct one once (by fingerprint) with its hit count: the cycle or wait-for graph drawn
// as SVG (locks as nodes, edges labelled with thread and function), both stacks of every edge, every
// thread's wait, and the reproduce line with a copy button. Then the summary: runs, findings by kind,
// and how many runs of each scenario or program failed. All program text is escaped (xml_text.h).
#pragma once

#include <string>

#include "reports/report_writer.h"

namespace gridlock::reports {

class html_writer final : public report_writer {
 public:
  /// Files under `source_root` are shown relative to it.
  explicit html_writer(std::string source_root = ".") : source_root_(std::move(source_root)) {}
  bool write(const nlohmann::json& report, const std::string& path) const override;
  /// The page write() writes into directory `page_dir`: it links the files runs kept their output in
  /// (`stdout_file`) relative to it.
  std::string render(const nlohmann::json& report, const std::string& page_dir = ".") const;

 private:
  std::string source_root_;
};

}  // namespace gridlock::reports

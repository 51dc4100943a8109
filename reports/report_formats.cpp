#include "reports/report_formats.h"

#include "reports/html_writer.h"
#include "reports/json_writer.h"
#include "reports/junit_writer.h"
#include "reports/sarif_writer.h"

namespace gridlock::reports {

std::unique_ptr<report_writer> make_writer(std::string_view name, const writer_settings& settings) {
  if (name == "json") return std::make_unique<json_writer>();
  if (name == "junit") return std::make_unique<junit_writer>(settings.source_root);
  if (name == "html") return std::make_unique<html_writer>(settings.source_root);
  if (name == "sarif") return std::make_unique<sarif_writer>(settings.source_root);
  return nullptr;
}

}  // namespace gridlock::reports

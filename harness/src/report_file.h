// Writes a report file atomically: into a temporary file beside it, then rename(), so a reader (or a
// harness killed mid-write) never sees half a report. A path that names a device or pipe
// (/dev/stdout) is written into instead.
#pragma once

#include <string>

namespace gridlock {

/// Returns false with errno set (and leaves any old file in place) if the file cannot be written.
bool write_report_file(const std::string& path, const std::string& content);

}  // namespace gridlock

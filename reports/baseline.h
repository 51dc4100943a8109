// The baseline: findings a team already knows of (by fingerprint, with the reason and an optional expiry
// date), so CI can gate on "no new deadlock" from the first day in an existing codebase. A known finding
// is still reported, marked "known", and does not fail the run; once its entry expires it fails again.
//
//   {"version": 1, "known": [{"fingerprint": "fd8420e2d4c21d8a", "reason": "...", "expires": "2025-06-30"}]}
//
// Parsing is strict (an unknown field is an error, so a misspelt "expires" cannot make an entry
// permanent): docs/report-format.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace gridlock::reports {

struct baseline_entry {
  std::string fingerprint;  ///< 16 hex digits
  std::string reason;       ///< why it is accepted for now; not empty
  std::string expires;      ///< "YYYY-MM-DD": known through that day (UTC); "" never expires
};

struct baseline {
  std::string file;  ///< where it was read from, as given
  std::vector<baseline_entry> known;
};

/// Parses a baseline file's text. Throws std::invalid_argument with a one-line reason naming `file`.
baseline parse_baseline(std::string_view text, const std::string& file);
/// Reads and parses `path`; throws std::invalid_argument when it cannot be read or is malformed.
baseline read_baseline(const std::string& path);

/// Today's date, "YYYY-MM-DD", in UTC: what expiry dates are compared with.
std::string today_utc();

/// Marks each finding of `report` that `b` names with "baseline": {"reason", "expires"?}, and with
/// "known": true unless the entry expired before `today`; records the baseline file in the report.
/// Marks an earlier baseline left are removed first.
void apply_baseline(nlohmann::json& report, const baseline& b, std::string_view today);

/// A baseline naming every distinct finding of `reports` once, sorted by fingerprint. `reason` empty:
/// each entry's reason says what the finding is ("kind: message"); `expires` empty: no expiry.
nlohmann::json make_baseline(const std::vector<nlohmann::json>& reports, const std::string& reason,
                             const std::string& expires);

/// Whether `date` is a real calendar day written "YYYY-MM-DD".
bool is_date(std::string_view date);

}  // namespace gridlock::reports

#include "reports/baseline.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace gridlock::reports {
namespace {

using nlohmann::json;

bool is_fingerprint(const std::string& text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

bool is_date(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (date[i] < '0' || date[i] > '9') return false;
  const auto number = [&](std::size_t at, std::size_t len) {
    int n = 0;
    for (std::size_t i = at; i < at + len; ++i) n = n * 10 + (date[i] - '0');
    return n;
  };
  const std::chrono::year_month_day day{std::chrono::year(number(0, 4)),
                                        std::chrono::month(static_cast<unsigned>(number(5, 2))),
                                        std::chrono::day(static_cast<unsigned>(number(8, 2)))};
  return day.ok();
}

baseline parse_baseline(std::string_view text, const std::string& file) {
  const auto malformed = [&](const std::string& why) -> std::invalid_argument {
    return std::invalid_argument("baseline '" + file + "': " + why);
  };
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error&) {
    throw malformed("not JSON");
  }
  if (!doc.is_object()) throw malformed("not a JSON object");
  for (const auto& [key, value] : doc.items())
    if (key != "version" && key != "known") throw malformed("unknown field '" + key + "'");
  if (doc.value("version", json()) != 1) throw malformed("\"version\" must be 1");
  if (!doc.contains("known") || !doc["known"].is_array()) throw malformed("\"known\" must be a list");

  baseline b{file, {}};
  std::set<std::string> seen;
  for (const json& entry : doc["known"]) {
    const std::string where = "entry " + std::to_string(b.known.size() + 1);
    if (!entry.is_object()) throw malformed(where + " is not an object");
    for (const auto& [key, value] : entry.items())
      if (key != "fingerprint" && key != "reason" && key != "expires")
        throw malformed(where + ": unknown field '" + key + "'");
    baseline_entry e;
    if (!entry.contains("fingerprint") || !entry["fingerprint"].is_string() ||
        !is_fingerprint(e.fingerprint = entry["fingerprint"].get<std::string>()))
      throw malformed(where + ": \"fingerprint\" must be 16 lower-case hex digits");
    if (!entry.contains("reason") || !entry["reason"].is_string() || (e.reason = entry["reason"].get<std::string>()).empty())
      throw malformed(where + ": \"reason\" must be a non-empty string");
    if (entry.contains("expires") &&
        (!entry["expires"].is_string() || !is_date(e.expires = entry["expires"].get<std::string>())))
      throw malformed(where + ": \"expires\" must be a date, YYYY-MM-DD");
    if (!seen.insert(e.fingerprint).second) throw malformed("fingerprint " + e.fingerprint + " is listed twice");
    b.known.push_back(std::move(e));
  }
  return b;
}

baseline read_baseline(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) throw std::invalid_argument("baseline '" + path + "' cannot be read");
  return parse_baseline(text.str(), path);
}

std::string today_utc() {
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                static_cast<unsigned>(day.day()));
  return buf;
}

void apply_baseline(json& report, const baseline& b, std::string_view today) {
  std::map<std::string, const baseline_entry*> by_fingerprint;
  for (const baseline_entry& e : b.known) by_fingerprint[e.fingerprint] = &e;
  for (json& run : report.at("runs"))
    for (json& f : run.at("findings")) {
      f.erase("known");
      f.erase("baseline");
      const auto it = by_fingerprint.find(f.value("fingerprint", ""));
      if (it == by_fingerprint.end()) continue;
      const baseline_entry& e = *it->second;
      f["baseline"] = {{"reason", e.reason}};
      if (!e.expires.empty()) f["baseline"]["expires"] = e.expires;
      // ISO dates compare as text; an entry is good through its expiry day.
      if (e.expires.empty() || today <= e.expires) f["known"] = true;
    }
  report["baseline"] = {{"file", b.file}, {"entries", b.known.size()}};
}

json make_baseline(const std::vector<json>& reports, const std::string& reason, const std::string& expires) {
  std::map<std::string, const json*> by_fingerprint;  // sorted, so a regenerated baseline diffs cleanly
  for (const json& report : reports)
    for (const json& run : report.at("runs"))
      for (const json& f : run.at("findings")) by_fingerprint.try_emplace(f.value("fingerprint", ""), &f);
  json known = json::array();
  for (const auto& [fingerprint, f] : by_fingerprint) {
    json entry = {{"fingerprint", fingerprint},
                  {"reason", !reason.empty() ? reason : f->value("kind", "") + ": " + f->value("message", "")}};
    if (!expires.empty()) entry["expires"] = expires;
    known.push_back(std::move(entry));
  }
  return {{"version", 1}, {"known", std::move(known)}};
}

}  // namespace gridlock::reports

#include "runner/process_view.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "finding_text.h"

namespace gridlock::runner {
namespace {

using nlohmann::json;

constexpr std::string_view thread_word = "thread ";

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// `text` with the number after each "thread " raised by `threads` and the number after each lock
/// label's "type#" by `locks`, in one pass (so a raised number is never raised again). A thread's
/// name after its number (reporter.cpp's label(): "thread 3 (worker 2)") is left alone.
std::string renumbered(std::string_view text, std::uint64_t threads, std::uint64_t locks,
                       const std::vector<std::string>& lock_prefixes) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const std::string_view rest = text.substr(i);
    std::size_t digits = 0;
    std::uint64_t offset = 0;
    const bool thread = rest.starts_with(thread_word) && (i == 0 || !is_word_char(text[i - 1]));
    if (thread) {
      digits = thread_word.size();
      offset = threads;
    } else {
      for (const std::string& prefix : lock_prefixes)
        if (rest.starts_with(prefix)) {
          digits = prefix.size();
          offset = locks;
          break;
        }
    }
    std::size_t end = digits;
    while (end < rest.size() && end - digits < 18 && std::isdigit(static_cast<unsigned char>(rest[end]))) ++end;
    if (digits == 0 || end == digits) {
      out += text[i++];
      continue;
    }
    out += rest.substr(0, digits);
    out += std::to_string(std::stoull(std::string(rest.substr(digits, end - digits))) + offset);
    i += end;
    if (thread && text.substr(i).starts_with(" (")) {
      // The thread's name, the program's words: kept as they are, up to its closing parenthesis.
      std::size_t close = i + 1;
      for (int depth = 0; close < text.size(); ++close) {
        depth += text[close] == '(' ? 1 : text[close] == ')' ? -1 : 0;
        if (depth == 0) break;
      }
      out += text.substr(i, close + 1 - i);
      i = close + 1;
    }
  }
  return out;
}

void raise(json& id, std::uint64_t by) {
  if (id.is_number_integer()) id = id.get<std::uint64_t>() + by;
}

}  // namespace

void name_holders_by_tid(json& finding) {
  constexpr std::string_view by_tid = " held by tid ";
  std::map<std::string, std::string> label_of;  // the tid's digits -> the thread's label
  for (const json& t : finding.value("threads", json::array()))
    if (t.value("tid", std::int64_t{0}) > 0)
      label_of[std::to_string(t.value("tid", std::int64_t{0}))] = thread_label(finding, t.value("id", 0u));
  for (json& w : finding["waits"]) {
    if (!w.contains("waits_for") || !w["waits_for"].is_string()) continue;
    const std::string text = w["waits_for"].get<std::string>();
    const std::size_t at = text.find(by_tid);
    if (at == std::string::npos) continue;
    std::size_t end = at + by_tid.size();
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    const auto it = label_of.find(text.substr(at + by_tid.size(), end - at - by_tid.size()));
    if (it != label_of.end()) w["waits_for"] = text.substr(0, at) + " held by " + it->second + text.substr(end);
  }
}

void renumber_view(json& view, std::uint64_t threads, std::uint64_t locks) {
  if (!view.is_object() || (threads == 0 && locks == 0)) return;
  std::vector<std::string> lock_prefixes;  // the labels of unnamed locks (reporter.cpp's label())
  for (json& l : view.value("locks", json::array())) {
    if (l.value("name", "").empty()) {
      std::string prefix = l.value("type", "") + "#";
      if (std::find(lock_prefixes.begin(), lock_prefixes.end(), prefix) == lock_prefixes.end())
        lock_prefixes.push_back(std::move(prefix));
    }
  }
  for (json& l : view["locks"]) raise(l["id"], locks);
  for (json& t : view["threads"]) raise(t["id"], threads);
  for (json& w : view["waits"]) {
    raise(w["thread"], threads);
    if (w.contains("lock")) raise(w["lock"], locks);
    for (json& h : w["holds"]) raise(h, locks);
    if (w.contains("waits_for") && w["waits_for"].is_string())
      w["waits_for"] = renumbered(w["waits_for"].get<std::string>(), threads, locks, lock_prefixes);
  }
}

}  // namespace gridlock::runner

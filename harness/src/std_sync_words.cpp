#include "std_sync_words.h"

#include <string>
#include <string_view>

#include "finding_json.h"
#include "wait_for_detector.h"

namespace gridlock {
namespace {

using nlohmann::json;

struct facility {
  std::string_view marker;  // in the name of a library frame on the way to the wait
  std::string_view type;
  std::string_view completion;  // how it wakes its waiters, for one that only does so when it completes
};

constexpr std::string_view latch_completes =
    "only when its count reaches zero: no running thread is left to count it down";
constexpr std::string_view barrier_completes =
    "only when every expected thread has arrived: no running thread is left to arrive";

constexpr facility facilities[] = {
    {"std::latch::", "std::latch", latch_completes},
    {"std::__tree_barrier<", "std::barrier", barrier_completes},
    {"std::barrier<", "std::barrier", barrier_completes},
    {"std::__atomic_semaphore::", "std::counting_semaphore", ""},
    {"std::counting_semaphore<", "std::counting_semaphore", ""},
};

using wait_for::unwoken_hint;
constexpr std::string_view unwoken = wait_for::unwoken_mark;

/// The standard object a wait with this (symbolized) stack waits on: read from the library frames
/// above the system call, the first of which names it, often only in a template argument (an inlined
/// caller's frames may be gone). libstdc++'s or libc++'s. Null when the wait is not the library's.
const facility* facility_of(const json& stack) {
  bool in_library = false;
  for (const json& frame : stack) {
    std::string function = frame.value("function", "");
    // libc++'s names carry its inline namespace: std::__1::latch.
    for (std::size_t at; (at = function.find("std::__1::")) != std::string::npos;) function.erase(at + 5, 5);
    const std::string_view name = qualified_name(function);
    if (!name.starts_with("std::")) {
      if (in_library) return nullptr;  // past the library's frames: the program's own
      continue;
    }
    in_library = true;
    for (const facility& f : facilities)
      if (name.find(f.marker) != std::string_view::npos) return &f;
  }
  return nullptr;
}

void replace_all(json& text, std::string_view from, std::string_view to) {
  if (!text.is_string()) return;
  std::string s = text.get<std::string>();
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  text = s;
}

}  // namespace

void name_std_sync_words(json& finding) {
  std::string completions;
  for (json& lock : finding["locks"]) {
    if (lock.value("type", "") != "futex word" || !lock.value("name", "").empty()) continue;
    const json id = lock.value("id", json(0));
    const facility* found = nullptr;
    for (const json& w : finding["waits"])
      if (w.value("lock", json()) == id && (found = facility_of(w.value("stack", json::array()))) != nullptr) break;
    if (found == nullptr) continue;
    const std::string old_label = "futex word#" + id.dump();
    const std::string label = std::string(found->type) + "#" + id.dump();
    lock["type"] = found->type;
    // A name the implementation reserves (libstdc++'s pool, std::__detail::...) is no variable of the program.
    if (lock.value("symbol", "").starts_with("std::__")) lock.erase("symbol");
    std::vector<json*> texts = {&finding["message"]};
    for (json& w : finding["waits"]) texts.push_back(&w["waits_for"]);
    for (json* text : texts) {
      rename_in_text(*text, old_label, label);
      if (!found->completion.empty()) replace_all(*text, label + std::string(unwoken), label);
    }
    if (!found->completion.empty() && completions.find(found->type) == std::string::npos)
      completions += ". A " + std::string(found->type) + " wakes its waiters " + std::string(found->completion);
  }
  if (!finding["message"].is_string()) return;
  if (finding["message"].get<std::string>().find(unwoken) == std::string::npos)
    replace_all(finding["message"], unwoken_hint, "");
  if (finding.value("kind", "") == "all-threads-blocked")
    finding["message"] = finding["message"].get<std::string>() + completions;
}

}  // namespace gridlock

#include "googletest_tests.h"

#include <algorithm>
#include <cctype>

#include "finding_json.h"

namespace gridlock {
namespace {

using nlohmann::json;

constexpr std::string_view body = "::TestBody";
constexpr std::string_view test_class_suffix = "_Test";

void add_tests_of(const json& stack, std::vector<std::string>& tests) {
  if (!stack.is_array()) return;
  for (const json& frame : stack)
    if (std::optional<std::string> test = googletest_test_of(frame.value("function", ""))) tests.push_back(*test);
}

/// `tests` sorted, each once.
void sort_tests(std::vector<std::string>& tests) {
  std::sort(tests.begin(), tests.end());
  tests.erase(std::unique(tests.begin(), tests.end()), tests.end());
}

}  // namespace

std::optional<std::string> googletest_test_of(std::string_view function) {
  std::size_t at = function.find(body);
  // TestBody itself ("::TestBody()", "::TestBody" in a lambda's qualified name), not TestBodyHelper.
  while (at != std::string_view::npos && at + body.size() < function.size() &&
         function[at + body.size()] != '(' && function[at + body.size()] != ':')
    at = function.find(body, at + 1);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view cls = without_template_arguments(function.substr(0, at));  // a typed test's
  // The class's own name: the word before it (std::thread's invoker names the test body's lambda in a
  // template argument, `_Invoker<std::tuple<Bank_Transfer_Test::TestBody()::<lambda()> > >`).
  std::size_t word = cls.size();
  while (word > 0 && (std::isalnum(static_cast<unsigned char>(cls[word - 1])) != 0 || cls[word - 1] == '_')) --word;
  cls.remove_prefix(word);
  if (!cls.ends_with(test_class_suffix)) return std::nullopt;
  cls.remove_suffix(test_class_suffix.size());
  const std::size_t underscores = static_cast<std::size_t>(std::count(cls.begin(), cls.end(), '_'));
  if (underscores == 0 || cls.front() == '_' || cls.back() == '_') return std::nullopt;
  std::string name(cls);
  if (underscores == 1) name[name.find('_')] = '.';
  else std::replace(name.begin(), name.end(), '_', '?');
  return name;
}

std::vector<std::string> googletest_tests(const json& f) {
  std::vector<std::string> tests;
  add_tests_of(f.value("stack", json::array()), tests);
  for (const json& e : f.value("edges", json::array())) {
    add_tests_of(e.value("held_stack", json::array()), tests);
    add_tests_of(e.value("acquire_stack", json::array()), tests);
    for (const json& o : e.value("also", json::array())) {
      add_tests_of(o.value("held_stack", json::array()), tests);
      add_tests_of(o.value("acquire_stack", json::array()), tests);
    }
  }
  for (const json& w : f.value("waits", json::array())) add_tests_of(w.value("stack", json::array()), tests);
  // A thread whose own frames are a fixture's or a pool's: the test that started it.
  if (tests.empty())
    for (const json& t : f.value("threads", json::array())) add_tests_of(t.value("started_at", json::array()), tests);
  if (const auto running = f.find(googletest_running_key); running != f.end()) {
    const std::vector<std::string> names = strings_in(*running);
    for (std::string& t : tests) t = full_googletest_name(t, names);
  }
  sort_tests(tests);
  return tests;
}

std::optional<std::string> started_googletest_test(std::string_view line) {
  constexpr std::string_view run = "[ RUN      ] ";
  const std::size_t at = line.find(run);  // after a colour's escape sequence, with --gtest_color=yes
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view name = line.substr(at + run.size());
  while (name.starts_with('\x1b') && name.find('m') != std::string_view::npos) name.remove_prefix(name.find('m') + 1);
  name = name.substr(0, name.find_first_of(" \t\r\n\x1b"));
  if (name.find('.') == std::string_view::npos) return std::nullopt;
  return std::string(name);
}

std::string full_googletest_name(const std::string& test, const std::vector<std::string>& running) {
  // What the stack shows of a full name: the suite without its instantiation prefix and type index
  // (Sizes/Logger, Cache/0, Prefix/Cache/0), the test without its parameter (Rotate/0, Rotate/Small).
  const auto as_on_stack = [](std::string_view full) {
    const std::size_t dot = full.find('.');
    std::string_view suite = full.substr(0, dot);
    std::string_view name = full.substr(dot + 1);
    if (const std::size_t slash = suite.rfind('/'); slash != std::string_view::npos) {
      const std::string_view last = suite.substr(slash + 1);
      if (!last.empty() && std::all_of(last.begin(), last.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
        suite = suite.substr(0, slash);
    }
    suite = suite.substr(suite.rfind('/') + 1);  // npos + 1 == 0: no prefix
    name = name.substr(0, name.find('/'));
    return std::string(suite) + "." + std::string(name);
  };
  // `?` is any one character, as in a --gtest_filter pattern.
  const auto fits = [&](const std::string& shown) {
    return shown.size() == test.size() &&
           std::equal(test.begin(), test.end(), shown.begin(), [](char t, char c) { return t == c || t == '?'; });
  };
  std::optional<std::string> found;
  for (const std::string& full : running) {
    if (full.find('.') == std::string::npos || !fits(as_on_stack(full)) || found == full) continue;
    if (found) return test;  // two tests fit: which one is not known
    found = full;
  }
  return found.value_or(test);
}

std::vector<std::string> failed_googletest_tests(std::string_view output) {
  constexpr std::string_view failed = "[  FAILED  ] ";
  std::vector<std::string> tests;
  for (std::size_t at = output.find(failed); at != std::string_view::npos; at = output.find(failed, at + 1)) {
    if (at > 0 && output[at - 1] != '\n') continue;
    const std::string_view rest = output.substr(at + failed.size());
    const std::string_view name = rest.substr(0, rest.find_first_of(" ,\n"));
    // Not the summary's "[  FAILED  ] 1 test, listed below:"
    if (name.find('.') == std::string_view::npos) continue;
    if (std::find(tests.begin(), tests.end(), name) == tests.end()) tests.emplace_back(name);
  }
  return tests;
}

void add_tests(json& into, const json& from) {
  const std::vector<std::string> more = strings_in(from.value("tests", json::array()));
  if (more.empty()) return;
  std::vector<std::string> tests = strings_in(into.value("tests", json::array()));
  tests.insert(tests.end(), more.begin(), more.end());
  sort_tests(tests);
  into["tests"] = tests;
}

}  // namespace gridlock

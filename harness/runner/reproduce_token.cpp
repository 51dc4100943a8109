#include "runner/reproduce_token.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "injectors/schedule.h"
#include "steering.h"

namespace gridlock::runner {
namespace {

using nlohmann::json;

constexpr std::string_view prefix = "gl1:";
constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url_encode(std::string_view in) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) out += alphabet[(bits >> (count -= 6)) & 63];
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 63];
  return out;
}

[[noreturn]] void malformed(const std::string& why) { throw std::invalid_argument("malformed reproduce token: " + why); }

std::string base64url_decode(std::string_view in) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const std::size_t v = alphabet.find(c);
    if (v == std::string_view::npos) malformed("not base64url");
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) out += static_cast<char>((bits >> (count -= 8)) & 0xff);
  }
  // What is left must be padding bits of the last character, all zero; a lone sixth of a byte never is.
  if (count >= 6 || (bits & ((1u << count) - 1)) != 0) malformed("not base64url");
  return out;
}

const json& field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) malformed(std::string("missing field '") + name + "'");
  return *it;
}

std::string string_field(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_string()) malformed(std::string("'") + name + "' is not a string");
  return v.get<std::string>();
}

std::vector<std::string> strings_field(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_array()) malformed(std::string("'") + name + "' is not a list");
  std::vector<std::string> out;
  for (const json& s : v) {
    if (!s.is_string()) malformed(std::string("'") + name + "' holds a non-string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

std::string make_token(const reproduce_request& request) {
  const trial_spec& spec = request.spec;
  json j = {{"kind", to_string(spec.kind)},
            {"name", spec.name},
            {"seed", spec.seed},
            {"strategy", spec.strategy},
            {"timeout", static_cast<double>(spec.timeout.count()) / 1000.0},
            {"fingerprints", request.fingerprints}};
  if (spec.kind == trial_kind::program) j["argv"] = spec.argv;
  if (spec.strategy == "pct") j["pct_depth"] = spec.pct_depth;
  if (!spec.schedule.empty()) j["schedule"] = spec.schedule;
  if (!spec.confirm.empty()) j["confirm"] = spec.confirm;
  return std::string(prefix) + base64url_encode(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string reproduce_command(const reproduce_request& request) { return "gridlock reproduce " + make_token(request); }

reproduce_request parse_token(std::string_view token) {
  if (!token.starts_with(prefix)) malformed("it does not start with '" + std::string(prefix) + "'");
  const std::string text = base64url_decode(token.substr(prefix.size()));
  // The parser would take a NUL for the end of the text; no JSON text holds one.
  const json j = text.find('\0') == std::string::npos ? json::parse(text, nullptr, false) : json();
  if (!j.is_object()) malformed("not a JSON object");

  reproduce_request r;
  const std::string kind = string_field(j, "kind");
  if (kind != "scenario" && kind != "program") malformed("unknown kind '" + kind + "'");
  r.spec.kind = kind == "scenario" ? trial_kind::scenario : trial_kind::program;
  for (const auto& [key, value] : j.items())
    if (key != "kind" && key != "name" && key != "seed" && key != "strategy" && key != "pct_depth" &&
        key != "schedule" && key != "confirm" && key != "timeout" && key != "fingerprints" &&
        !(key == "argv" && r.spec.kind == trial_kind::program))
      malformed("unknown field '" + key + "'");

  r.spec.name = string_field(j, "name");
  if (r.spec.name.empty()) malformed("empty name");
  const json& seed = field(j, "seed");
  if (!seed.is_number_unsigned()) malformed("'seed' is not a non-negative integer");
  r.spec.seed = seed.get<std::uint64_t>();
  r.spec.strategy = string_field(j, "strategy");
  if (!is_strategy(r.spec.strategy)) malformed("unknown strategy '" + r.spec.strategy + "'");
  if (const auto depth = j.find("pct_depth"); depth != j.end()) {
    if (!depth->is_number_unsigned() || depth->get<std::uint64_t>() < 1 || depth->get<std::uint64_t>() > max_pct_depth)
      malformed("'pct_depth' is not a whole number from 1 to " + std::to_string(max_pct_depth));
    r.spec.pct_depth = depth->get<unsigned>();
  }
  if (j.contains("schedule")) {
    r.spec.schedule = string_field(j, "schedule");
    if (r.spec.strategy != "controlled") malformed("a 'schedule' is for the controlled strategy only");
    std::uint64_t schedule_seed = 0;
    try {
      schedule_seed = inject::schedule::parse(r.spec.schedule).seed;
    } catch (const std::invalid_argument& e) {
      malformed(std::string("'schedule': ") + e.what());
    }
    if (schedule_seed != r.spec.seed) malformed("the 'schedule' has another seed than the token");
  }
  if (j.contains("confirm")) {
    r.spec.confirm = string_field(j, "confirm");
    steering::target target;
    if (!steering::parse_target(r.spec.confirm, target)) malformed("'confirm' is not a confirmation target");
  }
  const json& timeout = field(j, "timeout");
  const double ms = timeout.is_number() ? timeout.get<double>() * 1000 : -1;
  if (!(ms >= static_cast<double>(min_timeout.count()) && ms <= static_cast<double>(max_timeout.count())))
    malformed("'timeout' is not a number of seconds within bounds");
  r.spec.timeout = std::chrono::milliseconds(std::llround(ms));
  r.fingerprints = strings_field(j, "fingerprints");
  if (r.spec.kind == trial_kind::program) {
    r.spec.argv = strings_field(j, "argv");
    if (r.spec.argv.empty()) malformed("empty 'argv'");
  }
  return r;
}

}  // namespace gridlock::runner

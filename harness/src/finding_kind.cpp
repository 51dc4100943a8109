// Finding kind names: an interface (JSON "kind", SARIF rule ids, baselines), so written out once here.
#include <array>

#include "gridlock/finding.h"

namespace gridlock {
namespace {

constexpr std::array<std::string_view, 14> names = {
    "lock-order-cycle",  "deadlock",         "all-threads-blocked", "recursive-lock",
    "lock-upgrade",      "unlock-not-owner", "lock-held-at-exit",   "destroy-locked",
    "cv-wait-unlocked",  "cv-different-mutex", "wait-group-negative", "channel-closed-send",
    "timeout",           "signal-handler-lock",
};

}  // namespace

std::string_view to_string(finding_kind kind) noexcept { return names[static_cast<std::size_t>(kind)]; }

std::optional<finding_kind> parse_finding_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<finding_kind>(i);
  return std::nullopt;
}

bool is_fatal(finding_kind kind) noexcept {
  return kind == finding_kind::deadlock || kind == finding_kind::all_threads_blocked ||
         kind == finding_kind::recursive_lock || kind == finding_kind::lock_upgrade;
}

}  // namespace gridlock

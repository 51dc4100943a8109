// The reproduce token: one trial (kind, name, seed, strategy, timeout; programs also argv; pct its
// depth; controlled the schedule it made; a confirmation run its target) and the fingerprints it found, as "gl1:" + base64url (no padding) of compact JSON. One shell
// word, so `gridlock reproduce TOKEN` re-runs exactly that trial and knows which findings to look for.
// Fields added since the first tokens are optional, so older tokens still parse (with the defaults).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runner/trial.h"

namespace gridlock::runner {

struct reproduce_request {
  trial_spec spec;
  std::vector<std::string> fingerprints;  ///< of the findings the trial produced
};

std::string make_token(const reproduce_request& request);
/// "gridlock reproduce <token>": a complete shell command.
std::string reproduce_command(const reproduce_request& request);
/// The inverse of make_token. Strict: throws std::invalid_argument with a one-line reason for a wrong
/// prefix, bad base64url, bad JSON, a missing, unknown or mistyped field, an unknown strategy, a depth
/// out of range, a malformed schedule or one that is not the controlled strategy's with the token's seed.
reproduce_request parse_token(std::string_view token);

}  // namespace gridlock::runner

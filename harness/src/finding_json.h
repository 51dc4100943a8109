// The JSON form of a finding (docs/report-format.md), built in three steps so the process that found
// it never has to symbolize: encode_finding() (in the process under test) writes every stack frame as
// {address, module, offset}; symbolize_finding() (in whatever process writes the report) adds
// function, file and line; add_fingerprint() then derives the fingerprint from code locations, so it is
// the same in every run and process of the same program.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gridlock/finding.h"
#include "symbolize.h"

namespace gridlock {

/// The finding with located (not yet symbolized) frames. Call in the process the stacks belong to.
nlohmann::json encode_finding(const finding& f);
/// Adds function/file/line to every frame of an encoded finding, and shows each edge of a cycle by the
/// take (its own, or another thread's in its `also`) that names a thread the other edges do not
/// (docs/report-format.md, `also`).
void symbolize_finding(nlohmann::json& f, symbolizer& s);
/// symbolize_finding()'s step for one stack of located frames: each becomes the frames it resolves to
/// (several where calls were inlined), less the runtime's own.
void symbolize_stack(nlohmann::json& stack, symbolizer& s);
/// Sets f["fingerprint"]: a 16-hex-digit hash of the kind, the code locations involved (function
/// names of the first frames outside Gridlock and the standard library, and for an edge, past a lock
/// function both its locks were taken through) and the variables of the locks that have one,
/// independent of addresses, lines, thread ids, lock ids and timing, and of where in the cycle the
/// detector entered it.
void add_fingerprint(nlohmann::json& f);

/// Whether a symbolized frame belongs to Gridlock itself, to the C/C++ runtime (lock_guard,
/// pthread_mutex_lock, ...) or to Abseil (absl::MutexLock, its libraries): such frames are shown but
/// never name a finding's location.
bool is_plumbing_frame(const nlohmann::json& frame);
/// Whether a symbolized frame is code installed on the system rather than the program's own source: an
/// installed header's (/usr/include, /usr/local/include, /usr/lib; also where the program inlined it) or
/// a system library's (/lib, /usr/lib).
bool is_installed_code(const nlohmann::json& frame);
/// Whether a symbolized frame is a line of the program's own source: it has a file and is neither
/// installed code nor plumbing. Such frames carry `code`, locate findings and label graph edges.
bool is_program_source(const nlohmann::json& frame);
/// The first frame of a symbolized stack that is not plumbing, or null JSON if none.
nlohmann::json first_user_frame(const nlohmann::json& stack);
/// The frames of a symbolized stack that are not plumbing, innermost first.
std::vector<nlohmann::json> user_frames(const nlohmann::json& stack);
/// How many leading user frames (not plumbing) an edge's held and acquire stacks share: both locks were
/// taken through those calls, a lock function (a program's own acquire(), GLib's g_rec_mutex_lock,
/// LibreOffice's osl_acquireMutex and a helper above it) that names neither line. 0 where one stack
/// is all shared (one line that takes both, in a loop: that line names the edge). Fingerprints and
/// reports point past them.
std::size_t lock_function_depth(const nlohmann::json& edge);

/// A symbolized function's qualified name, without a leading return type ("void std::f<...>(...)").
std::string_view qualified_name(std::string_view function);
/// `name` without the template arguments it ends in, if any: "Queue_Pops_Test" of "Queue_Pops_Test<int>".
std::string_view without_template_arguments(std::string_view name);
/// The strings of a JSON array (a finding's `tests`), in order; none for anything else.
std::vector<std::string> strings_in(const nlohmann::json& list);
/// The process under test wrote the message and each wait's text naming an unnamed lock "TYPE#ID"; the
/// report names it by its variable instead. Whole labels only: "pthread_mutex_t#1" is not the start of
/// "pthread_mutex_t#12".
void rename_in_text(nlohmann::json& text, const std::string& label, const std::string& symbol);

}  // namespace gridlock

// How the writers name and place a finding, so the JUnit, HTML and SARIF reports agree: the labels of
// its locks and threads, a one-line title, and the source line that locates it (the acquisition that
// closes a lock-order cycle, or where a thread blocks or misuses a lock), relative to the source root.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "finding_text.h"

namespace gridlock::reports {

/// A lock id (a whole number, not negative), or nullopt for anything else (a missing "lock").
std::optional<std::uint64_t> lock_id(const nlohmann::json& id);
/// Locks and threads are named as the console names them, and the same threads' starts and an
/// edge's other takes are shown (finding_text.h).
using gridlock::lock_label;
using gridlock::lock_labels;
using gridlock::thread_label;
using gridlock::threads_label;
using gridlock::acquisition_record;
using gridlock::also_taken_by;
using gridlock::started_threads;
using gridlock::tests_phrase;
/// Ids of the locks the finding involves: along its edges, then what its threads wait for and hold.
std::vector<std::uint64_t> involved_locks(const nlohmann::json& finding);
/// The kind and the locks: "lock-order-cycle on locks A, B".
std::string finding_title(const nlohmann::json& finding);

/// The stack that says where the finding happened: for a lock-order cycle, the acquisition that closed
/// it (the first edge's acquire_stack); otherwise where it was detected (`stack`: the blocking call or
/// the misuse), or else the first thread's wait.
const nlohmann::json& deciding_stack(const nlohmann::json& finding);
/// The frame that locates `stack` in source: its first user frame (finding_json.h) with a file past its
/// first `skip` user frames (an edge's lock_function_depth), preferring one under `source_root`.
/// Installed code (is_installed_code) never locates. Null when no such frame has a file.
nlohmann::json stack_locating_frame(const nlohmann::json& stack, std::size_t skip, const std::string& source_root);
/// The frame that locates the finding in source: stack_locating_frame() of deciding_stack() (past the
/// lock function of a cycle's first edge); failing that, the first such frame anywhere in the finding.
/// Null when no frame has a file (no debug information).
nlohmann::json locating_frame(const nlohmann::json& finding, const std::string& source_root);

/// `file` relative to `root` ("scenarios/abba.cpp") when it lies under it; otherwise empty.
std::string path_under(const std::string& file, const std::string& root);
/// `file` relative to `root` where it lies under it, else as it is.
std::string display_path(const std::string& file, const std::string& root);

/// How a run ended, for people: "exit code 3", "signal 11 (SIGSEGV)".
std::string ending_text(const nlohmann::json& run);

}  // namespace gridlock::reports

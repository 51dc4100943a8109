// A symbolized finding (finding_json.h) as text a person reads in a terminal: the message, where each
// lock without a name was first seen, then per edge or thread its first frames outside Gridlock and the
// standard library (and the program's own first frame when those are all library code), then what
// --confirm made of a prediction.
#pragma once

#include <nlohmann/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gridlock {

/// Renders one finding; `frames` is how many user frames to show per stack.
std::string render_text(const nlohmann::json& finding, int frames = 3);
/// How a finding names one of its locks ("A"; when unnamed, the variable it lives in, "g_log_mu"; else
/// "pthread_mutex_t#3") and threads
/// ("thread 2 (worker)"), by the ids its edges and waits use.
std::string lock_label(const nlohmann::json& finding, std::uint64_t id);
std::string thread_label(const nlohmann::json& finding, std::uint32_t id);
/// The labels of the locks `ids` lists, joined with ", ".
std::string lock_labels(const nlohmann::json& finding, const nlohmann::json& ids);

/// Threads that wait alike (the same wait, holds, stack and kernel state): a hang with a thousand
/// workers parked in one place reads as one entry, as Go groups goroutines. `wait` is the first one's.
/// (Not "wait_group": gridlock::wait_group is the public primitive, and two classes of one name break
/// the one-definition rule: the linker keeps one of their destructors for both.)
struct alike_waits {
  const nlohmann::json* wait;
  std::vector<std::uint32_t> threads;
};
/// The finding's waits so grouped, in the order their first threads come; the groups point into it.
std::vector<alike_waits> group_waits(const nlohmann::json& finding);
/// "thread 2 (worker)" for one thread; "1000 threads (2-1001)" for more.
std::string threads_label(const nlohmann::json& finding, const std::vector<std::uint32_t>& threads);
/// The threads of a finding whose start (`started_at`) reports show: those that have one, when the
/// finding has a few threads (a cycle's, a deadlock's); none of the hundreds a timeout may list.
std::vector<const nlohmann::json*> started_threads(const nlohmann::json& finding);
/// "in test Cache.Evict" ("in tests A.b, C.d") for a finding in GoogleTest tests (its `tests`), else "".
std::string tests_phrase(const nlohmann::json& finding);
/// For a lock-order cycle whose every take was one thread's (its edges and their `also`): "each order
/// was taken by thread 1 (main) alone: two threads taking them at once can deadlock"; else "". The
/// prediction holds, but a reader who sees one thread may not think so.
std::string one_thread_phrase(const nlohmann::json& finding);
/// "and 49 more like it in its first run (the same code over other locks)" for a finding that stands for
/// others of its run (its `repeats`), else "".
std::string repeats_phrase(const nlohmann::json& finding);
/// "crashed in tid 4243 of pid 4242" for a run's `crash`.
std::string crash_phrase(const nlohmann::json& crash);
/// What a run that went wrong without a finding leaves to go on, a line each, each after `indent`: the
/// last line of its stderr (usually the one that says what went wrong), where it crashed (`crash`: the
/// crashing thread's first frames, as a finding's), the GoogleTest tests its stdout says failed
/// (failed_tests_phrase), and the files it kept its whole output in (`stdout_file`, `stderr_file`).
std::string broken_run_details(const nlohmann::json& run, std::string_view indent);
/// "failed tests: DBTest.Empty, DBTest.Put" for a run whose output (`stdout`) is a GoogleTest binary's
/// with failed tests (failed_googletest_tests), else "".
std::string failed_tests_phrase(std::string_view output);
/// Whether `edge` runs from a lock to itself: not a lock-order edge but a misuse finding's record of
/// where the lock it is about was acquired (its held_stack). Reports say "A was acquired by thread 2",
/// never "thread 2 acquired A while holding A".
bool acquisition_record(const nlohmann::json& edge);
/// "also taken by thread 1 (main)" for an edge other threads took too (its `also`), else "".
std::string also_taken_by(const nlohmann::json& finding, const nlohmann::json& edge);
/// "after a try-lock of it failed (...)" for an edge taken as the fallback of a try that Gridlock failed
/// on purpose (its `after_failed_try`: docs/injectors.md), else "".
std::string fallback_phrase(const nlohmann::json& edge);
/// Whole numbers as compact ranges, sorted: "1-5,8,9".
std::string number_ranges(std::vector<std::uint64_t> numbers);
/// "function (file:line)" for one frame, file shortened to its base name.
std::string frame_text(const nlohmann::json& frame);

}  // namespace gridlock

// One process's own view of its threads (a state_request.h reply) made ready to share a finding with
// the views of other processes of the same run: each process numbers its threads and locks from 1.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace gridlock::runner {

/// Adds `threads` to every thread id and `locks` to every lock id of `view`: in its threads, locks and
/// waits, and in the text of each wait that names them ("held by thread 3", "a post to sem_t#7"), so
/// that after it the view's ids follow those of the views before it.
void renumber_view(nlohmann::json& view, std::uint64_t threads, std::uint64_t locks);

/// In the waits of `finding` (the views of a run's processes, merged), each holder named by its OS
/// thread id ("held by tid 812": a process-shared lock that another process's thread holds) becomes
/// that thread's label ("held by thread 1 (main)") when the finding has a thread with that id.
void name_holders_by_tid(nlohmann::json& finding);

}  // namespace gridlock::runner

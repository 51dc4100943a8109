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

}  // namespace gridlock::runner

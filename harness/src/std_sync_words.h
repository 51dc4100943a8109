// Futex words the C++ standard library waits on for the program: a std::latch's count, and for
// std::barrier and std::counting_semaphore (whose counters a futex cannot wait on) a word of
// libstdc++'s own waiter pool. The runtime sees only the word, a "futex word" named by its address;
// the waiter's symbolized stack says which standard object it waits for, and how that object wakes.
#pragma once

#include <nlohmann/json.hpp>

namespace gridlock {

/// In a finding whose stacks and lock symbols are resolved (symbolize_finding), before its texts name
/// locks by symbol: gives each unnamed futex word that a waiter reaches through std::latch,
/// std::barrier or std::counting_semaphore that type instead (and drops a symbol of the library's own,
/// such as libstdc++'s waiter pool, which names no object of the program), in the lock, its label in
/// every text and the finding's message. A latch or barrier wakes only when it completes, so its count
/// changing without a wake is no lost wake: its waits lose "(changed, never woken)", and an
/// all-threads-blocked message says how it completes.
void name_std_sync_words(nlohmann::json& finding);

}  // namespace gridlock

// random: at every sync point a seeded coin decides whether the thread goes on, yields once, or sleeps
// for a varied short time (10-500 us). A thread that holds a lock there (it is about to take another,
// or has released one of several) is in the window a lock-order deadlock needs, and sleeps more often.
// Each thread draws from its own xorshift64 stream, seeded from (seed, schedule key), exactly one draw
// per sync point: a thread's n-th decision depends on nothing but the seed, its key, n, and how many
// locks its own code holds there, however the OS interleaves the threads.
//
// Past its first `full_rate_steps` sync points a thread is perturbed less and less often (the chance
// falls as 1/steps, to no less than 1/`min_rate_divisor` of the full one): a real program that locks a
// million times pays for a bounded number of pauses per phase instead of one every other lock, and a
// short scenario (a few dozen sync points) is perturbed at the full rate throughout.
#include <algorithm>

#include "injectors/strategy.h"

namespace gridlock::inject {
namespace {

// Out of 65536 sync points: how many yield, how many pause, with no lock held and with one held
// (docs/injectors.md has the measurements behind these).
constexpr std::uint32_t yield_share = 8192;           // 1/8
constexpr std::uint32_t pause_share = 24576;          // 3/8
constexpr std::uint32_t pause_share_holding = 40960;  // 5/8
constexpr std::uint32_t min_pause_us = 10;
constexpr std::uint32_t max_pause_us = 500;
constexpr std::uint64_t full_rate_steps = 256;
constexpr std::uint64_t min_rate_divisor = 256;

class random_strategy final : public strategy {
 public:
  using strategy::strategy;
  std::string_view name() const noexcept override { return "random"; }

  action at_sync_point(thread_slot& t, sync_point, std::uint32_t locks_held) noexcept override {
    ++t.steps;
    const std::uint64_t r = xorshift(t.rng);
    const auto coin = static_cast<std::uint32_t>(r & 0xffff);
    const auto divisor = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(t.steps / full_rate_steps, 1, min_rate_divisor));
    if (coin < yield_share / divisor) return {sync_action::yield, 0};
    if (coin < (yield_share + (locks_held != 0 ? pause_share_holding : pause_share)) / divisor) {
      const auto us = min_pause_us + static_cast<std::uint32_t>((r >> 32) % (max_pause_us - min_pause_us + 1));
      return {sync_action::pause, us * 1000};
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<strategy> make_random(const options& o) { return std::make_unique<random_strategy>(o); }

}  // namespace gridlock::inject

// controlled: exactly one thread runs between sync points, and the seed chooses which (a randomized
// scheduler in the manner of Shuttle's RandomScheduler; the turn itself is handed over by the runtime,
// harness/src/turns.cpp). Every choice is drawn from one xorshift64 stream seeded by the seed, so the same
// seed makes the same choices as long as the run offers the same candidates, which it does when only
// the chosen thread runs. The choices are recorded as a schedule (schedule.h); given one to replay, it
// makes the schedule's choices in order instead, and goes on drawing (the stream stays in step) once
// they run out or a recorded thread is not among the candidates (the run has parted from it).
// Called by the runtime under its own lock: never concurrently.
#include <algorithm>

#include "injectors/strategy.h"

namespace gridlock::inject {
namespace {

class controlled_strategy final : public strategy {
 public:
  explicit controlled_strategy(const options& o) : strategy(o), rng_(mix(o.seed ^ 0x636f6e74726f6cull) | 1) {  // "control"
    recorded_.seed = o.seed;
  }

  std::string_view name() const noexcept override { return "controlled"; }
  bool serializes() const noexcept override { return true; }

  action at_sync_point(thread_slot& t, sync_point, std::uint32_t) noexcept override {
    ++t.steps;
    return {sync_action::turn, 0};
  }

  std::uint32_t choose(std::span<const std::uint32_t> candidates, schedule_step::kind why) noexcept override {
    std::uint32_t pick = candidates[xorshift(rng_) % candidates.size()];
    if (const schedule_step* step = next_replayed()) {
      if (std::find(candidates.begin(), candidates.end(), step->thread) != candidates.end())
        pick = step->thread;
      else if (diverged_at_ < 0)
        diverged_at_ = static_cast<std::int64_t>(cursor_);
    }
    record({why, pick});
    return pick;
  }

  void joined(std::uint32_t index) noexcept override { record({schedule_step::kind::joined, index}); }

  const schedule* recorded() const noexcept override { return &recorded_; }
  std::int64_t diverged_at() const noexcept override { return diverged_at_; }

 private:
  /// The replayed schedule's next choice (joined steps are not choices: skipped), or null.
  const schedule_step* next_replayed() noexcept {
    if (opts_.replay == nullptr) return nullptr;
    const std::vector<schedule_step>& steps = opts_.replay->steps;
    while (cursor_ < steps.size() && steps[cursor_].what == schedule_step::kind::joined) ++cursor_;
    return cursor_ < steps.size() ? &steps[cursor_++] : nullptr;
  }

  void record(const schedule_step& step) noexcept {
    if (recorded_.steps.size() == schedule::max_steps) {
      recorded_.truncated = true;
      return;
    }
    try {
      recorded_.steps.push_back(step);
    } catch (...) {  // out of memory: the schedule says it is cut
      recorded_.truncated = true;
    }
  }

  std::uint64_t rng_;
  schedule recorded_;
  std::size_t cursor_ = 0;         // the next step of opts_.replay
  std::int64_t diverged_at_ = -1;  // the replayed step that named no candidate first
};

}  // namespace

std::unique_ptr<strategy> make_controlled(const options& o) { return std::make_unique<controlled_strategy>(o); }

}  // namespace gridlock::inject

// What every strategy shares: thread slots, and choosing a strategy by name.
#include "injectors/strategy.h"

namespace gridlock::inject {

strategy::strategy(const options& o) : opts_(o), slots_(new thread_slot[max_threads]) {}

thread_slot* strategy::attach(std::uint64_t key, const void* handle, std::uint64_t handle_id) noexcept {
  const std::uint32_t i = used_.fetch_add(1, std::memory_order_acq_rel);
  if (i >= max_threads) return nullptr;
  thread_slot& t = slots_[i];
  t.key = key;
  t.index = i;
  t.steps = 0;
  t.rng = mix(opts_.seed ^ mix(key)) | 1;  // xorshift state: never 0
  on_thread_start(t);
  bind(t, handle, handle_id);
  t.active.store(true, std::memory_order_release);
  return &t;
}

void strategy::bind(thread_slot& t, const void* handle, std::uint64_t handle_id) noexcept {
  t.handle_id.store(handle_id, std::memory_order_relaxed);
  t.handle.store(handle, std::memory_order_release);
}

void strategy::detach(thread_slot& t) noexcept { t.active.store(false, std::memory_order_release); }

std::unique_ptr<strategy> make_strategy(std::string_view name, const options& o) {
  if (name == "none") return make_none(o);
  if (name == "random") return make_random(o);
  if (name == "pct") return make_pct(o);
  if (name == "controlled") return make_controlled(o);
  return nullptr;
}

}  // namespace gridlock::inject

#include "turns.h"

#include <time.h>

#include <cerrno>
#include <cstdio>

#include "futex.h"
#include "os_thread.h"
#include "runtime_core.h"
#include "thread_record.h"
#include "wait_for_detector.h"

namespace gridlock {
namespace {

using steady_clock = std::chrono::steady_clock;
using kind = inject::schedule_step::kind;
using detail::park_result;

/// Sleeps while `word` is 0, for at most `d`; false when the time ran out.
bool sleep_on(std::atomic<std::uint32_t>& word, std::chrono::nanoseconds d) noexcept {
  const timespec ts{static_cast<time_t>(d.count() / 1'000'000'000), static_cast<long>(d.count() % 1'000'000'000)};
  const long r = detail::futex(&word, FUTEX_WAIT, 0, &ts);
  return r == 0 || errno != ETIMEDOUT;
}

void wake_one(std::atomic<std::uint32_t>& word) noexcept {
  detail::futex(&word, FUTEX_WAKE, 1);
}

bool power_of_two(std::uint64_t n) noexcept { return n != 0 && (n & (n - 1)) == 0; }

/// The runtime's record of the thread in slot `t`, or null while it is starting.
thread_record* record_of(const inject::thread_slot& t) noexcept {
  return const_cast<thread_record*>(static_cast<const thread_record*>(t.handle.load(std::memory_order_acquire)));
}

}  // namespace

turns::turns(inject::strategy& strategy, int schedule_fd)
    : strategy_(strategy),
      schedule_fd_(schedule_fd),
      entries_(new entry[inject::strategy::max_threads]),
      last_progress_(steady_clock::now()) {
  candidates_.reserve(inject::strategy::max_threads);
  if (schedule_fd_ >= 0) write_all(schedule_fd_, inject::schedule::head_text(strategy_.recorded()->seed));
}

void turns::known(inject::thread_slot& t, bool starting, bool joined) noexcept {
  const std::uint32_t me = t.index;
  lock_.lock();
  entry& e = entries_[me];
  e.slot = &t;
  if (me >= count_) count_ = me + 1;
  if (joined) {
    strategy_.joined(me);
    flush_schedule();
  }
  e.st = starting ? state::starting : state::away;
  if (!starting && holder_ == none) give(me, me);
  lock_.unlock();
}

void turns::at_sync_point(inject::thread_slot& t) noexcept {
  const std::uint32_t me = t.index;
  entry& e = entries_[me];
  lock_.lock();
  if (released_.load(std::memory_order_relaxed)) {
    lock_.unlock();
    return;
  }
  if (holder_ == me && e.st == state::running) {
    progress();
    if (hand_on(me, true, none, kind::choice) == me) {
      lock_.unlock();
      return;
    }
    e.st = state::parked;
  } else if (holder_ == me || holder_ == none) {
    // Given the turn while it was starting or away, or nobody has it: this thread goes on.
    e.go.store(0, std::memory_order_relaxed);
    give(me, me);
    lock_.unlock();
    return;
  } else {
    e.st = state::parked;
  }
  lock_.unlock();
  wait_turn(me, nullptr);
}

void turns::exit(inject::thread_slot& t, const void* self_key) noexcept {
  const std::uint32_t me = t.index;
  lock_.lock();
  if (!released_.load(std::memory_order_relaxed)) {
    wake_locked(self_key, true);
    entries_[me].st = state::finished;
    if (holder_ == me) hand_on(me, false, none, kind::choice);
    else if (holder_ == none) hand_on(none, false, none, kind::stalled);  // it ran without the turn: timing
  }
  lock_.unlock();
}

void turns::leave(inject::thread_slot& t) noexcept {
  const std::uint32_t me = t.index;
  lock_.lock();
  if (!released_.load(std::memory_order_relaxed) && holder_ == me) {
    entries_[me].st = state::away;
    // Where it leaves is the program's doing; when it comes back is timing: a stall, for the schedule.
    hand_on(none, false, me, kind::stalled);
  }
  lock_.unlock();
}

void turns::prepare(inject::thread_slot& t, const void* key, bool timed) noexcept {
  lock_.lock();
  entry& e = entries_[t.index];
  e.waits_on = key;
  e.timed = timed;
  e.woken = false;
  e.st = state::blocked;
  lock_.unlock();
}

void turns::cancel(inject::thread_slot& t) noexcept {
  lock_.lock();
  entry& e = entries_[t.index];
  if (e.st == state::blocked || e.st == state::parked) e.st = holder_ == t.index ? state::running : state::away;
  lock_.unlock();
}

bool turns::anyone_away() const noexcept {
  for (std::uint32_t i = 0; i < count_; ++i)
    if (entries_[i].st == state::away) return true;
  return false;
}

bool turns::settled(const inject::thread_slot& t) noexcept {
  lock_.lock();
  const bool quiet = holder_ == t.index && !anyone_away();
  lock_.unlock();
  return quiet;
}

park_result turns::park(inject::thread_slot& t, thread_record& self) {
  const std::uint32_t me = t.index;
  entry& e = entries_[me];
  lock_.lock();
  if (released_.load(std::memory_order_relaxed)) {
    lock_.unlock();
    return park_result::released;
  }
  if (holder_ == me) {
    e.go.store(0, std::memory_order_relaxed);  // a turn given while it was away is this very one
    if (hand_on(me, false, none, kind::choice) == me) {
      const bool woken = e.woken;
      lock_.unlock();
      return woken ? park_result::woken : park_result::idle;
    }
  } else if (holder_ == none && e.st == state::parked) {
    give(me, me);
    lock_.unlock();
    return park_result::woken;
  }
  lock_.unlock();
  if (!wait_turn(me, &self)) return park_result::released;
  return e.woken ? park_result::woken : park_result::idle;
}

bool turns::wake(const void* key, bool all) noexcept {
  lock_.lock();
  const bool handled = wake_locked(key, all);
  lock_.unlock();
  return handled;
}

bool turns::ended(const thread_record* r) noexcept {
  lock_.lock();
  bool done = true;  // not known here: nothing to wait for in turns
  for (std::uint32_t i = 0; i < count_; ++i) {
    const inject::thread_slot* s = entries_[i].slot;
    if (s != nullptr && record_of(*s) == r && s->handle_id.load(std::memory_order_relaxed) == r->id) {
      done = entries_[i].st == state::finished;
      break;
    }
  }
  lock_.unlock();
  return done;
}

void turns::release_all() noexcept {
  lock_.lock();
  released_.store(true, std::memory_order_release);
  for (std::uint32_t i = 0; i < count_; ++i) {
    entries_[i].go.store(1, std::memory_order_release);
    wake_one(entries_[i].go);
  }
  lock_.unlock();
}

std::string turns::schedule_text() noexcept {
  lock_.lock();
  std::string text;
  try {
    text = strategy_.recorded()->text();
  } catch (...) {  // out of memory: no text
  }
  lock_.unlock();
  return text;
}

bool turns::wake_locked(const void* key, bool all) noexcept {
  if (released_.load(std::memory_order_relaxed)) return false;
  waiters_.clear();
  for (std::uint32_t i = 0; i < count_; ++i)
    if (entries_[i].st == state::blocked && entries_[i].waits_on == key) waiters_.push_back(i);
  if (waiters_.empty()) return true;
  if (!all && waiters_.size() > 1) {
    waiters_.front() = strategy_.choose(waiters_, kind::choice);
    flush_schedule();
  }
  if (!all) waiters_.resize(1);
  for (std::uint32_t i : waiters_) {
    entry& w = entries_[i];
    w.st = state::parked;
    w.woken = true;
    // Its wait is over as far as the wait-for detector goes, as events::notified() says for every
    // waiter; a lock wait ends by itself once the lock is free, and stays announced.
    if (thread_record* r = record_of(*w.slot); r != nullptr && r->wait_what.load(std::memory_order_relaxed) != wait_kind::lock)
      wait_for::after_wake(*r);
  }
  return true;
}

bool turns::away_in_wait(const entry& e) noexcept {
  const thread_record* r = e.st == state::away && e.slot != nullptr ? record_of(*e.slot) : nullptr;
  return r != nullptr &&
         (thread_record::wait_state(r->wait_epoch.load(std::memory_order_acquire)) != thread_record::wait_running ||
          threads::asleep(*r));
}

std::uint32_t turns::hand_on(std::uint32_t me, bool me_runnable, std::uint32_t exclude, kind why) noexcept {
  candidates_.clear();
  for (std::uint32_t i = 0; i < count_; ++i) {
    const state st = entries_[i].st;
    if (i != exclude && ((st == state::parked || st == state::starting || (i == me && me_runnable)) ||
                         (st == state::away && !away_in_wait(entries_[i]))))
      candidates_.push_back(i);
  }
  if (candidates_.empty()) {  // time passes only when nothing else can run: timed waits end
    for (std::uint32_t i = 0; i < count_; ++i) {
      const entry& e = entries_[i];
      if (i != exclude && e.st == state::blocked && e.timed && !e.woken) candidates_.push_back(i);
    }
  }
  if (candidates_.empty()) {
    holder_ = none;
    return none;
  }
  // A choice between one is no choice, but a stall is recorded all the same: timing made it.
  const std::uint32_t next =
      candidates_.size() == 1 && why == kind::choice ? candidates_.front() : strategy_.choose(candidates_, why);
  flush_schedule();
  give(next, me);
  return next;
}

void turns::give(std::uint32_t to, std::uint32_t me) noexcept {
  holder_ = to;
  progress();
  entry& e = entries_[to];
  // A parked thread is waiting in wait_turn(); one starting or away takes the turn at its next sync point.
  if (e.st == state::parked || e.st == state::blocked || to == me) e.st = state::running;
  if (to == me) return;
  e.go.store(1, std::memory_order_release);
  wake_one(e.go);
}

void turns::progress() noexcept {
  last_progress_ = steady_clock::now();
  ++progress_epoch_;
  stuck_looks_ = 0;
}

void turns::flush_schedule() noexcept {
  if (schedule_fd_ < 0) return;
  const inject::schedule& s = *strategy_.recorded();
  std::string text;
  try {
    for (; written_ < s.steps.size(); ++written_) text += inject::schedule::step_text(s.steps[written_]);
    if (s.truncated && !cut_written_) {
      text += inject::schedule::cut_mark;
      cut_written_ = true;
    }
  } catch (...) {  // out of memory: what is written so far stays
  }
  write_all(schedule_fd_, text);
  if (const std::int64_t at = strategy_.diverged_at(); at >= 0 && !divergence_told_) {
    divergence_told_ = true;
    std::fprintf(stderr, "gridlock: the run parted from the replayed schedule at its step %lld: replay is not exact from there\n",
                 static_cast<long long>(at + 1));
  }
}

turns::look turns::watch(std::uint32_t me, bool blocked) noexcept {
  if (!lock_.try_lock()) return look::nothing;  // another thread is looking
  look result = look::nothing;
  const steady_clock::time_point now = steady_clock::now();
  if (released_.load(std::memory_order_relaxed)) {
    lock_.unlock();
    return result;
  }
  if (holder_ == none) {
    // Nobody has the turn: a thread woken by one that had lost it, or nobody can run at all. Not while
    // a thread runs without the turn (in a real wait, say): the settled check would take its wait as
    // fixed; its own check looks instead.
    if (hand_on(none, false, none, kind::stalled) == none && blocked && !checking_ && !anyone_away() &&
        power_of_two(++stuck_looks_)) {
      checking_ = true;
      result = look::stuck;
    }
  } else if (holder_ != me && now - last_progress_ >= stall_poll) {
    entry& h = entries_[holder_];
    const thread_record* r = record_of(*h.slot);
    bool stalled = false;
    if (r == nullptr) {
      stalled = now - last_progress_ >= stall_cap;  // it never started
      if (stalled) h.st = state::finished;
    } else if (!r->alive.load(std::memory_order_acquire) || r->id != h.slot->handle_id.load(std::memory_order_relaxed)) {
      stalled = true;  // it has ended without a last sync point (a thread Gridlock did not start)
      h.st = state::finished;
    } else if (os_thread::sleeping(r->tid)) {
      stalled = true;
    } else if (now - last_progress_ >= stall_wall) {
      const std::int64_t cpu = os_thread::cpu_ns(r->tid);
      if (sampled_epoch_ != progress_epoch_) {
        sampled_epoch_ = progress_epoch_;
        sampled_cpu_ = cpu;
      } else {
        stalled = cpu < 0 || cpu - sampled_cpu_ >= std::chrono::nanoseconds(stall_cpu).count() ||
                  now - last_progress_ >= stall_cap;
      }
    }
    if (stalled) {
      const std::uint32_t was = holder_;
      if (h.st != state::finished) h.st = state::away;  // it runs on, and takes a turn at its next sync point
      hand_on(none, false, was, kind::stalled);
    }
  }
  lock_.unlock();
  return result;
}

bool turns::wait_turn(std::uint32_t me, thread_record* self) {
  entry& e = entries_[me];
  for (;;) {
    if (e.go.exchange(0, std::memory_order_acquire) == 1) return !released_.load(std::memory_order_acquire);
    if (sleep_on(e.go, stall_poll) || watch(me, self != nullptr) != look::stuck) continue;
    // Nobody can run, and the check this thread made before it parked found no deadlock: a thread that
    // was leaving still counted then. Look again (nothing else runs, so at once).
    try {
      wait_for::check_settled(*self);
    } catch (...) {  // the deadlock policy throws here: this thread goes on, with the turn
      lock_.lock();
      checking_ = false;
      e.go.store(0, std::memory_order_relaxed);
      if (holder_ == none) give(me, me);
      else e.st = state::away;  // a thread has arrived meanwhile and has the turn
      lock_.unlock();
      wait_for::after_wake(*self);
      throw;
    }
    lock_.lock();
    checking_ = false;
    lock_.unlock();
  }
}

}  // namespace gridlock

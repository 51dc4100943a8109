// The stack depot. Constraints, because this runs inside the LD_PRELOAD interposer:
//  - no pthread/std mutexes (the interposer intercepts pthread_mutex_lock): one internal_lock
//    serializes capture_stack's lookup/insert;
//  - no malloc: entries and frame arrays live in mmap'ed blocks that never move and are never freed,
//    so stack_of() needs no lock once an id is published (a release store of the count of stacks);
//  - constant-initialized state only, so the depot works before (and during) static initialization;
//  - a thread-local guard: a capture_stack reached from inside backtrace() (the unwinder or the
//    first-call dlopen of libgcc_s taking an interposed lock) returns 0 instead of recursing.
#include "stack.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstring>

#include "internal_lock.h"

namespace gridlock {
namespace {

constexpr int max_frames = 64;                          // per backtrace() call, capture_stack included
constexpr std::uint32_t max_stacks = 1u << 20;          // ids 1..max_stacks; beyond: 0
constexpr std::uint32_t chunk_bits = 12;                // 4096 entries per chunk
constexpr std::uint32_t chunk_entries = 1u << chunk_bits;
constexpr std::uint32_t chunk_count = max_stacks / chunk_entries;
constexpr std::uint32_t bucket_bits = 18;               // hash buckets (chained through entry::next)
constexpr std::uint32_t bucket_count = 1u << bucket_bits;
constexpr std::size_t arena_block_bytes = std::size_t{1} << 20;  // frame storage, bump-allocated

struct entry {
  const std::uintptr_t* frames;
  std::uint64_t hash;
  std::uint32_t size;
  std::uint32_t next;  // next id in the same bucket, 0 = end
};

void* map_zeroed(std::size_t bytes) noexcept {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

struct depot {
  internal_lock lock;
  // Written under `lock`; published by the release store to `count`.
  std::atomic<entry*> chunks[chunk_count] = {};
  std::atomic<std::uint32_t> count{0};  // ids 1..count are complete and readable without the lock
  // Only touched under `lock`.
  std::uint32_t buckets[bucket_count] = {};
  std::byte* arena = nullptr;
  std::size_t arena_left = 0;

  entry& at(std::uint32_t id) noexcept {  // id in 1..count
    const std::uint32_t index = id - 1;
    return chunks[index >> chunk_bits].load(std::memory_order_acquire)[index & (chunk_entries - 1)];
  }

  std::uintptr_t* allocate_frames(std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(std::uintptr_t);
    if (bytes > arena_left) {
      auto* block = static_cast<std::byte*>(map_zeroed(arena_block_bytes));
      if (block == nullptr) return nullptr;
      arena = block;
      arena_left = arena_block_bytes;
    }
    auto* out = reinterpret_cast<std::uintptr_t*>(arena);
    arena += bytes;
    arena_left -= bytes;
    return out;
  }

  // Under `lock`. 0 if full or out of memory.
  stack_id find_or_insert(const std::uintptr_t* frames, std::uint32_t n, std::uint64_t hash) noexcept {
    std::uint32_t& bucket = buckets[hash & (bucket_count - 1)];
    for (std::uint32_t id = bucket; id != 0;) {
      const entry& e = at(id);
      if (e.hash == hash && e.size == n && std::memcmp(e.frames, frames, n * sizeof *frames) == 0) {
        return id;
      }
      id = e.next;
    }
    const std::uint32_t id = count.load(std::memory_order_relaxed) + 1;
    if (id > max_stacks) return 0;
    const std::uint32_t index = id - 1;
    std::atomic<entry*>& chunk = chunks[index >> chunk_bits];
    entry* slots = chunk.load(std::memory_order_relaxed);
    if (slots == nullptr) {
      slots = static_cast<entry*>(map_zeroed(chunk_entries * sizeof(entry)));
      if (slots == nullptr) return 0;
      chunk.store(slots, std::memory_order_release);
    }
    std::uintptr_t* copy = allocate_frames(n);
    if (copy == nullptr) return 0;
    std::memcpy(copy, frames, n * sizeof *frames);
    slots[index & (chunk_entries - 1)] = entry{copy, hash, n, bucket};
    bucket = id;
    count.store(id, std::memory_order_release);
    return id;
  }
};

constinit depot the_depot;
constinit thread_local bool in_capture = false;

std::uint64_t hash_frames(const std::uintptr_t* frames, std::uint32_t n) noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  for (std::uint32_t i = 0; i < n; ++i) {
    h ^= frames[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

/// Executable code, [low, high).
struct code_span {
  std::uintptr_t low = 0;
  std::uintptr_t high = 0;
};
code_span g_unwinder;  // set once, during static initialization

/// dl_iterate_phdr's callback: the executable segment holding the address in data->low.
int find_segment(dl_phdr_info* info, std::size_t, void* data) {
  auto* span = static_cast<code_span*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const std::uintptr_t low = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) != 0 && span->low - low < ph.p_memsz) {
      *span = {low, low + ph.p_memsz};
      return 1;
    }
  }
  return 0;
}

// The first backtrace() of a process loads libgcc_s (dlopen, malloc): do it once during static
// initialization, not in the middle of some later slow path or with the depot's lock held. Then note
// where the unwinder's code lies (unwinder_call).
struct backtrace_warm_up {
  backtrace_warm_up() noexcept {
    in_capture = true;
    void* frame[2];
    (void)backtrace(frame, 2);
    if (void* gcc = dlopen("libgcc_s.so.1", RTLD_LAZY | RTLD_NOLOAD)) {
      code_span span{reinterpret_cast<std::uintptr_t>(dlsym(gcc, "_Unwind_Find_FDE")), 0};
      if (span.low != 0 && dl_iterate_phdr(find_segment, &span) != 0) g_unwinder = span;
      dlclose(gcc);
    }
    in_capture = false;
  }
};
const backtrace_warm_up warm_up;

}  // namespace

[[gnu::noinline]] stack_id capture_stack(int skip) noexcept {
  if (in_capture) return 0;
  in_capture = true;
  void* raw[max_frames];
  int got;
  {
    const critical_section unwinding;  // the unwinder takes locks of its own (libgcc's, the loader's)
    got = backtrace(raw, max_frames);
  }
  in_capture = false;

  // Drop this function's own frame (and, when backtrace is intercepted, e.g. by a sanitizer, the
  // interceptor's): the kept stack starts at our return address. Then the caller's `skip`.
  const void* const caller = __builtin_return_address(0);
  int own = 1;
  for (int i = 0; i < got && i < 4; ++i) {
    if (raw[i] == caller) {
      own = i;
      break;
    }
  }
  const int drop = own + (skip > 0 ? skip : 0);
  if (got <= drop) return 0;
  const auto n = static_cast<std::uint32_t>(got - drop);
  std::uintptr_t frames[max_frames];
  for (std::uint32_t i = 0; i < n; ++i) frames[i] = reinterpret_cast<std::uintptr_t>(raw[drop + i]);

  const std::uint64_t hash = hash_frames(frames, n);
  the_depot.lock.lock();
  const stack_id id = the_depot.find_or_insert(frames, n, hash);
  the_depot.lock.unlock();
  return id;
}

bool unwinder_call(std::uintptr_t return_address) noexcept {
  return return_address - g_unwinder.low < g_unwinder.high - g_unwinder.low;
}

raw_stack stack_of(stack_id id) {
  if (id == 0 || id > the_depot.count.load(std::memory_order_acquire)) return {};
  const entry& e = the_depot.at(id);
  return raw_stack(e.frames, e.frames + e.size);
}

}  // namespace gridlock

// A malloc of the tests' own that locks a pthread mutex inside every allocation and free, as jemalloc
// does (a try-lock first, then a blocking lock), and whose first use sets up its arena holding a spin
// lock of its own while it calls pthread_once, as tcmalloc's initialization does: a program linked with
// it gets this malloc, as one linked with jemalloc gets jemalloc's. Blocks come from one mapping, one
// after another, after a header that keeps their size; nothing is ever reused.
#include <pthread.h>
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

constexpr std::size_t arena_size = std::size_t{1} << 30;  // address space only: pages come as touched
constexpr std::size_t header = 16;

pthread_mutex_t heap_mu = PTHREAD_MUTEX_INITIALIZER;
char* next_free = nullptr;
char* arena_end = nullptr;
std::atomic_flag setting_up = ATOMIC_FLAG_INIT;
std::atomic<bool> set_up{false};
pthread_once_t arena_once = PTHREAD_ONCE_INIT;

void map_arena() {
  void* m = mmap(nullptr, arena_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  next_free = m == MAP_FAILED ? nullptr : static_cast<char*>(m);
  arena_end = next_free + arena_size;
}

/// Runs first, before the program's own constructors (the C++ runtime allocates while it starts).
void set_up_arena() {
  if (set_up.load(std::memory_order_acquire)) return;
  while (setting_up.test_and_set(std::memory_order_acquire)) {
  }
  pthread_once(&arena_once, map_arena);
  set_up.store(true, std::memory_order_release);
  setting_up.clear(std::memory_order_release);
}

void lock_heap() {
  if (pthread_mutex_trylock(&heap_mu) != 0) pthread_mutex_lock(&heap_mu);
}

void* take(std::size_t size, std::size_t align) {
  if (align < header) align = header;
  set_up_arena();
  lock_heap();
  char* p = nullptr;
  if (next_free != nullptr) {
    const auto at = (reinterpret_cast<std::uintptr_t>(next_free) + header + align - 1) & ~(align - 1);
    if (at + size <= reinterpret_cast<std::uintptr_t>(arena_end)) {
      p = reinterpret_cast<char*>(at);
      std::memcpy(p - sizeof size, &size, sizeof size);
      next_free = p + size;
    }
  }
  pthread_mutex_unlock(&heap_mu);
  return p;
}

std::size_t size_of(const void* p) {
  std::size_t size = 0;
  std::memcpy(&size, static_cast<const char*>(p) - sizeof size, sizeof size);
  return size;
}

}  // namespace

extern "C" {

void* malloc(std::size_t size) { return take(size, header); }

void free(void* p) {
  if (p == nullptr) return;
  lock_heap();  // where a real allocator would put the block back
  pthread_mutex_unlock(&heap_mu);
}

void* calloc(std::size_t n, std::size_t size) {
  void* p = take(n * size, header);
  if (p != nullptr) std::memset(p, 0, n * size);
  return p;
}

void* realloc(void* old, std::size_t size) {
  void* p = take(size, header);
  if (p != nullptr && old != nullptr) std::memcpy(p, old, size < size_of(old) ? size : size_of(old));
  free(old);
  return p;
}

void* aligned_alloc(std::size_t align, std::size_t size) { return take(size, align); }
void* memalign(std::size_t align, std::size_t size) { return take(size, align); }
void* valloc(std::size_t size) { return take(size, 4096); }
void* pvalloc(std::size_t size) { return take((size + 4095) & ~std::size_t{4095}, 4096); }

int posix_memalign(void** out, std::size_t align, std::size_t size) {
  *out = take(size, align);
  return *out != nullptr ? 0 : 12;  // ENOMEM
}

std::size_t malloc_usable_size(void* p) { return p != nullptr ? size_of(p) : 0; }

}  // extern "C"

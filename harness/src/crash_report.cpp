#include "crash_report.h"

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string_view>

#include "gridlock/events.h"
#include "runner_stream.h"
#include "runtime_core.h"
#include "symbolize.h"

namespace gridlock {
namespace {

constexpr int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
constexpr int max_frames = 64;

/// One line built in a static buffer: the handler may not allocate. What does not fit is dropped, and
/// the line still closes (the stack is cut short).
class line_buffer {
 public:
  void put(std::string_view s) {
    for (char c : s)
      if (size_ < reserve) text_[size_++] = c;
  }
  /// A JSON string's contents: a path with a quote or a control character in it stays a valid line.
  void put_escaped(const char* s) {
    for (; *s != '\0'; ++s) {
      const char c = *s;
      if (c == '"' || c == '\\') put("\\");
      put(static_cast<unsigned char>(c) < 0x20 ? std::string_view("?") : std::string_view(&c, 1));
    }
  }
  void put_number(std::uint64_t v, int base) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[v % static_cast<unsigned>(base)];
      v /= static_cast<unsigned>(base);
    } while (v != 0);
    if (base == 16) put("0x");
    while (n > 0) put(std::string_view(&digits[--n], 1));
  }
  /// The text so far and then `end`, which always fits.
  std::string_view finish(std::string_view end) {
    for (char c : end) text_[size_++] = c;
    return {text_, size_};
  }

 private:
  static constexpr std::size_t capacity = 32 * 1024;
  static constexpr std::size_t reserve = capacity - 64;  // room for finish()'s end
  char text_[capacity];
  std::size_t size_ = 0;
};

line_buffer g_line;
std::atomic<bool> g_crashed{false};
std::atomic<bool> g_handling{false};  // report_crashes() installed the handler for SIGSEGV

// Room for the handler: backtrace()'s unwinder and the frames' lookups take a few KiB.
constexpr std::size_t alt_stack_size = 64 * 1024;
alignas(16) char g_first_thread_stack[alt_stack_size];

/// Makes `memory` the calling thread's alternate signal stack, unless the thread has one.
bool use_alt_stack(void* memory) {
  stack_t current{};
  if (sigaltstack(nullptr, &current) != 0 || (current.ss_flags & SS_DISABLE) == 0) return false;
  stack_t stack{};
  stack.ss_sp = memory;
  stack.ss_size = alt_stack_size;
  return sigaltstack(&stack, nullptr) == 0;
}

/// At the thread's exit: its alternate stack goes, if still its.
void release_alt_stack(void* memory) {
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == memory) {
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  }
  munmap(memory, alt_stack_size);
}

/// The interrupted instruction's address, from the handler's context (0 where this machine's is not known).
std::uintptr_t faulting_address(const void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return 0;
#endif
}

void put_frame(line_buffer& out, std::uintptr_t address, bool first) {
  const raw_location where = locate_raw(address);
  out.put(first ? "{\"address\":\"" : ",{\"address\":\"");
  out.put_number(address, 16);
  out.put("\",\"module\":\"");
  out.put_escaped(where.module != nullptr ? where.module : "");
  out.put("\",\"offset\":\"");
  out.put_number(where.offset, 16);
  out.put("\"}");
}

void on_crash(int signal, siginfo_t*, void* context) {
  const int saved_errno = errno;
  const internal_scope runtime;  // the interposer's hooks (sigaction's, the stream's) pass straight through
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  ::sigaction(signal, &fallback, nullptr);  // a fault in here, or the signal raised below, ends the process
  if (!g_crashed.exchange(true)) {
    void* pcs[max_frames];
    const int n = backtrace(pcs, max_frames);
    const std::uintptr_t pc = faulting_address(context);
    // The unwinder's frames start in this handler and pass the kernel's signal frame: the program's
    // start at the interrupted instruction.
    int from = 0;
    while (from < n && reinterpret_cast<std::uintptr_t>(pcs[from]) != pc) ++from;
    g_line.put("{\"crash\":{\"signal\":");
    g_line.put_number(static_cast<std::uint64_t>(signal), 10);
    g_line.put(",\"tid\":");
    g_line.put_number(static_cast<std::uint64_t>(gettid()), 10);
    g_line.put(",\"stack\":[");
    if (from < n) {
      for (int i = from; i < n; ++i)  // the faulting address + 1, to read as the return addresses after it do
        put_frame(g_line, reinterpret_cast<std::uintptr_t>(pcs[i]) + (i == from ? 1 : 0), i == from);
    } else if (pc != 0) {
      put_frame(g_line, pc + 1, true);
    }
    g_line.put("]},\"pid\":");
    g_line.put_number(static_cast<std::uint64_t>(getpid()), 10);
    runner_stream::write_line(g_line.finish("}\n"));
  }
  errno = saved_errno;
  raise(signal);  // with the default action back: the exit status says this signal, as without us
}

}  // namespace

void report_crashes() {
  if (!runner_stream::live()) return;
  // Both on first use: the unwinder loads libgcc_s, and locating an address of the executable (its entry
  // point) reads and keeps the executable's path, outside the handler.
  void* warm[1];
  backtrace(warm, 1);
  (void)locate(static_cast<std::uintptr_t>(getauxval(AT_ENTRY)));
  const internal_scope runtime;  // the interposer's sigaction() hook: not the program's handler
  for (const int signal : fatal_signals) {
    struct sigaction current {};
    if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
    struct sigaction action {};
    action.sa_sigaction = on_crash;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;  // on the thread's alternate stack, where it has one
    sigemptyset(&action.sa_mask);
    if (::sigaction(signal, &action, nullptr) == 0 && signal == SIGSEGV) g_handling.store(true);
  }
  if (g_handling.load()) use_alt_stack(g_first_thread_stack);
}

void crash_stack_for_this_thread() noexcept {
  if (!g_handling.load(std::memory_order_relaxed)) return;
  void* memory = mmap(nullptr, alt_stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return;
  if (!use_alt_stack(memory)) {
    munmap(memory, alt_stack_size);
    return;
  }
  if (!at_thread_exit(release_alt_stack, memory)) release_alt_stack(memory);
}

}  // namespace gridlock

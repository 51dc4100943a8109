// A library as distributions build one (-O2, no frame pointers, no debug information) whose lock is
// taken two calls below the program's call, as log4cxx's Logger::forcedLog -> callAppenders ->
// appendLoopOnAppend takes its appenders' lock.
#include <mutex>

namespace {

std::mutex lib_mu;

[[gnu::noinline]] void append(void (*callback)()) {
  std::lock_guard<std::mutex> g(lib_mu);
  if (callback != nullptr) callback();
}

}  // namespace

[[gnu::noinline]] void lib_log(void (*callback)()) {
  append(callback);
  asm volatile("" ::: "memory");  // not a tail call: this frame stays between the program and append
}

// The program's call an event serves, as the acquisition-stack cache keys it (thread_record::site_stack):
// its return address into the program (detail::call_site) and the frame of the function serving it
// (detail::call_frame), from which the program's stack above the call is read.
#pragma once

#include <cstdint>

#include "gridlock/events.h"

namespace gridlock {

/// Marks the call being served for the scope's lifetime. Construct it in the function whose caller is
/// the call, with __builtin_return_address(0) and __builtin_frame_address(0): that function's frame
/// (which makes it keep a frame pointer, so its caller's is saved at the frame's base).
class call_site_scope {
 public:
  /// In an interposer hook: the program's pthread call (hooks never nest).
  call_site_scope(const void* return_address, const void* frame) noexcept
      : call_site_scope(true, return_address, frame) {}
  /// In an event: its own call, unless a hook serving the program's call (which then calls the event)
  /// has marked that one.
  static call_site_scope unless_marked(const void* return_address, const void* frame) noexcept {
    return call_site_scope(detail::call_site == 0, return_address, frame);
  }
  ~call_site_scope() {
    if (marks_) detail::call_site = 0;  // call_frame counts only while call_site is set
  }
  call_site_scope(const call_site_scope&) = delete;
  call_site_scope& operator=(const call_site_scope&) = delete;

 private:
  call_site_scope(bool marks, const void* return_address, const void* frame) noexcept : marks_(marks) {
    if (!marks_) return;
    detail::call_site = reinterpret_cast<std::uintptr_t>(return_address);
    detail::call_frame = reinterpret_cast<std::uintptr_t>(frame);
  }
  bool marks_;
};

}  // namespace gridlock

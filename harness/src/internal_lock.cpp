// The one definition of the critical-section observer (internal_lock.h).
#include "internal_lock.h"

namespace gridlock::detail {

constinit const critical_observer* critical_hooks = nullptr;

}  // namespace gridlock::detail

// Gridlock's public API in one include: instrumented drop-ins for the standard synchronization types, a
// Go-style channel and wait group, and the runtime's settings. See docs/ for what each finding means.
#pragma once

#include "gridlock/channel.h"
#include "gridlock/condition_variable.h"
#include "gridlock/events.h"
#include "gridlock/finding.h"
#include "gridlock/mutex.h"
#include "gridlock/runtime.h"
#include "gridlock/shared_mutex.h"
#include "gridlock/thread.h"
#include "gridlock/wait_group.h"

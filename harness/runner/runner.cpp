#include "runner/runner.h"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <mutex>

#include "runner/child_process.h"

namespace gridlock::runner {

std::vector<trial_result> run_all(const std::vector<trial_spec>& specs, int jobs, const progress_fn& progress) {
  std::vector<trial_result> results(specs.size());
  std::mutex progress_mu;
  std::size_t done = 0;
  // A trial mostly waits for its child, so more jobs than cores is reasonable: lift TBB's default
  // limit of one thread per core.
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(jobs));
  tbb::task_arena arena(jobs);
  arena.execute([&] {
    // One trial per task: each is a whole process, far too big to batch.
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, specs.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t i = range.begin(); i != range.end(); ++i) {
            if (child_process::interrupted() != 0) {  // no trial starts after an interruption
              results[i].spec = specs[i];
              results[i].interrupted = true;
              continue;
            }
            results[i] = run_trial(specs[i]);
            if (results[i].interrupted) continue;
            const std::lock_guard lock(progress_mu);
            ++done;
            if (progress) progress(results[i], done, specs.size());
          }
        },
        tbb::simple_partitioner());
  });
  return results;
}

}  // namespace gridlock::runner

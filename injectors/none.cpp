// none: no perturbation, the baseline every measurement is compared with. With `none` active the
// runtime turns sync points off altogether (one relaxed load and a branch not taken each), so this
// strategy is only ever asked when a test drives it directly.
#include "injectors/strategy.h"

namespace gridlock::inject {
namespace {

class none_strategy final : public strategy {
 public:
  using strategy::strategy;
  std::string_view name() const noexcept override { return "none"; }
  action at_sync_point(thread_slot& t, sync_point, std::uint32_t) noexcept override {
    ++t.steps;
    return {};
  }
};

}  // namespace

std::unique_ptr<strategy> make_none(const options& o) { return std::make_unique<none_strategy>(o); }

}  // namespace gridlock::inject

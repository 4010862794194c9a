#include "lr_scheduler_callback.h"

#include "../trainer.h"
#include "monitor.h"

namespace nabla::trainer {

LRSchedulerCallback::LRSchedulerCallback(optim::LRScheduler& scheduler, Interval interval, std::string name)
    : scheduler_(scheduler), interval_(interval), name_(std::move(name)) {}

void LRSchedulerCallback::on_after_optimizer_step(Trainer&) {
  if (interval_ == Interval::Step) scheduler_.step();
}

void LRSchedulerCallback::on_epoch_end(Trainer&) {
  if (interval_ == Interval::Epoch) scheduler_.step();
}

PlateauCallback::PlateauCallback(optim::ReduceLROnPlateau& scheduler, std::string monitor, std::string name)
    : scheduler_(scheduler), monitor_(std::move(monitor)), name_(std::move(name)) {}

void PlateauCallback::on_epoch_end(Trainer& trainer) {
  // The mode of the comparison is the scheduler's; "min" here only names it.
  std::optional<double> value = Monitor(monitor_, "min").value_in(trainer.metrics());
  if (value) scheduler_.step(*value);
}

}  // namespace nabla::trainer

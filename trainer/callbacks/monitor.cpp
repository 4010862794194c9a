#include "monitor.h"

#include <cmath>
#include <limits>

#include "../../tensor/error.h"

namespace nabla::trainer {

Monitor::Monitor(std::string metric_, std::string mode_, double min_delta_)
    : metric(std::move(metric_)), mode(std::move(mode_)), min_delta(min_delta_) {
  NABLA_CHECK(mode == "min" || mode == "max", "Monitor", "mode must be \"min\" or \"max\", got \"", mode, "\" (for '",
              metric, "')");
  NABLA_CHECK(min_delta >= 0, "Monitor", "min_delta must be >= 0, got ", min_delta);
}

double Monitor::worst() const {
  const double inf = std::numeric_limits<double>::infinity();
  return mode == "min" ? inf : -inf;
}

bool Monitor::is_better(double value, double best) const {
  if (std::isnan(value)) return false;
  if (std::isinf(best)) return mode == "min" ? value < best : value > best;
  return mode == "min" ? value < best - min_delta : value > best + min_delta;
}

std::optional<double> Monitor::value_in(const std::map<std::string, double>& metrics) const {
  auto it = metrics.find(metric);
  if (it != metrics.end()) return it->second;
  const std::string group = metric.substr(0, metric.find('/') + 1);
  std::string names;
  bool group_present = false;
  for (const auto& [name, value] : metrics) {
    names += (names.empty() ? "" : ", ") + name;
    if (!group.empty() && name.compare(0, group.size(), group) == 0) group_present = true;
  }
  NABLA_CHECK(!group_present, "Monitor", "no metric named '", metric, "'; this epoch has: ", names);
  return std::nullopt;
}

}  // namespace nabla::trainer

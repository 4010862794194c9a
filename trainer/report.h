// An HTML report of a training run: ONE self-contained file (no scripts,
// fonts, stylesheets or images fetched from anywhere) that any browser opens.
//
//   trainer::ReportConfig cfg;
//   cfg.title = "MLP on Fashion-MNIST";
//   cfg.run_config = {{"optimizer", "Adam"}, {"lr", "1e-3"}, {"batch_size", "64"}};
//   cfg.confusion_matrix = cm.matrix();           // optional
//   trainer::write_html_report("run/report.html", log, cfg);
//
// What it holds, from the MetricsLog's names:
//   - the title and the run configuration as a key/value table;
//   - "train loss per step": every name in `step_series` against the step;
//   - "learning rate": `lr_name` against the step (when logged);
//   - one chart per epoch metric: every other name, grouped by what follows
//     its first '/' ("train/accuracy" and "val/accuracy" share the chart
//     "accuracy" with series "train" and "val"; a name without '/' is its
//     own chart), against the epoch (the last value of each epoch); a
//     step series joins the chart of its metric as its per-epoch mean
//     ("train (epoch mean)" of "train/loss" in the chart "loss" of "val/loss");
//   - the final confusion matrix as a heat-map table (cell colour = the
//     fraction of its row, i.e. per-class recall on the diagonal).
// Charts are inline SVG drawn here: axes with "nice" ticks (1, 2, 5 x 10^k),
// tick labels, one polyline per series (points marked when there are few),
// and a legend. Non-finite values are left out of a series.
// Every caller string is HTML-escaped. The file is written atomically.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "../tensor/tensor.h"
#include "logger.h"

namespace nabla::trainer {

struct ReportConfig {
  std::string title = "nabla training report";
  // Shown as a two-column table, in this order.
  std::vector<std::pair<std::string, std::string>> run_config;
  // Series plotted against the step in the loss chart.
  std::vector<std::string> step_series = {"train/loss"};
  // Plotted against the step in its own chart.
  std::string lr_name = "lr";
  // [C, C] counts (rows true, columns predicted), any numeric dtype; leave
  // undefined for no confusion matrix.
  Tensor confusion_matrix;
  // Labels of the C classes (default "0", "1", ...).
  std::vector<std::string> class_names;
};

// The report as one HTML string.
std::string html_report(const MetricsLog& log, const ReportConfig& config = {});
// html_report written to `path` atomically.
void write_html_report(const std::string& path, const MetricsLog& log, const ReportConfig& config = {});

// ---- the pieces, public for tests and for reuse ---------------------------------
// &, <, >, " and ' replaced by entities.
std::string html_escape(const std::string& text);

struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y)
};
// One inline <svg> line chart (width x height pixels).
std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                           const std::vector<ChartSeries>& series, int width = 640, int height = 360);

}  // namespace nabla::trainer

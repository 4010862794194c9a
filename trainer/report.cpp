#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "../autograd/grad_mode.h"
#include "../tensor/atomic_file.h"

namespace nabla::trainer {

namespace {

// Series colours (colour-blind friendly, Okabe-Ito order).
const char* const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"};
constexpr size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];
constexpr size_t kMaxMarkedPoints = 60;  // more than this and the dots hide the line

// A number for a label: 4 significant digits, no trailing zeros.
std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", std::abs(v) < 1e-12 ? 0.0 : v);
  return buf;
}
// A count: whole numbers in full (12345, not 1.234e+04).
std::string fmt_count(double v) {
  if (v != std::floor(v) || std::abs(v) > 1e15) return fmt(v);
  return std::to_string(static_cast<int64_t>(v));
}
// A coordinate in the SVG: 2 decimals are finer than a pixel.
std::string px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Axis ticks covering [lo, hi]: a step of 1, 2 or 5 x 10^k giving about
// `target` intervals, the axis widened to whole steps. Integer data (steps,
// epochs) never gets a step below 1.
struct Ticks {
  double lo, hi, step;
  std::vector<double> values;
};
Ticks nice_ticks(double lo, double hi, bool integer, int target = 5) {
  if (hi == lo) {  // one value: a unit-wide window around it
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (integer) step = std::max(step, 1.0);
  const double first = std::floor(lo / step), last = std::ceil(hi / step);
  Ticks t{first * step, last * step, step, {}};
  for (double i = first; i <= last; ++i) t.values.push_back(i * step);  // i * step: no drift
  return t;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                           const std::vector<ChartSeries>& series, int width, int height) {
  // Plot area inside margins: title above, x ticks and label below, y ticks
  // and label left, legend right.
  const double left = 72, right = 140, top = 36, bottom = 48;
  const double pw = width - left - right, ph = height - top - bottom;

  // Data bounds over the finite points.
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  bool integer_x = true;
  for (const ChartSeries& s : series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
      integer_x = integer_x && x == std::floor(x);
    }

  std::string svg = "<svg class=\"chart\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
                    "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"" + html_escape(title) + "\">\n";
  svg += "<title>" + html_escape(title) + "</title>\n";
  svg += "<text class=\"chart-title\" x=\"" + px(left) + "\" y=\"22\">" + html_escape(title) + "</text>\n";
  svg += "<rect class=\"plot-area\" x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(pw) + "\" height=\"" +
         px(ph) + "\"/>\n";
  if (x_lo > x_hi) {  // nothing finite to draw
    svg += "<text class=\"no-data\" x=\"" + px(left + pw / 2) + "\" y=\"" + px(top + ph / 2) +
           "\" text-anchor=\"middle\">no data</text>\n</svg>\n";
    return svg;
  }
  const Ticks xt = nice_ticks(x_lo, x_hi, integer_x), yt = nice_ticks(y_lo, y_hi, false);
  auto sx = [&](double x) { return left + (x - xt.lo) / (xt.hi - xt.lo) * pw; };
  auto sy = [&](double y) { return top + ph - (y - yt.lo) / (yt.hi - yt.lo) * ph; };

  // Grid lines, tick marks and tick labels.
  svg += "<g class=\"x-axis\">\n";
  for (double v : xt.values) {
    const std::string x = px(sx(v));
    svg += "<line class=\"grid\" x1=\"" + x + "\" y1=\"" + px(top) + "\" x2=\"" + x + "\" y2=\"" + px(top + ph) +
           "\"/><line class=\"tick\" x1=\"" + x + "\" y1=\"" + px(top + ph) + "\" x2=\"" + x + "\" y2=\"" +
           px(top + ph + 5) + "\"/><text class=\"tick-label\" x=\"" + x + "\" y=\"" + px(top + ph + 18) +
           "\" text-anchor=\"middle\">" + fmt(v) + "</text>\n";
  }
  svg += "<line class=\"axis\" x1=\"" + px(left) + "\" y1=\"" + px(top + ph) + "\" x2=\"" + px(left + pw) + "\" y2=\"" +
         px(top + ph) + "\"/>\n";
  svg += "<text class=\"axis-label\" x=\"" + px(left + pw / 2) + "\" y=\"" + px(height - 8.0) +
         "\" text-anchor=\"middle\">" + html_escape(x_label) + "</text>\n</g>\n";
  svg += "<g class=\"y-axis\">\n";
  for (double v : yt.values) {
    const std::string y = px(sy(v));
    svg += "<line class=\"grid\" x1=\"" + px(left) + "\" y1=\"" + y + "\" x2=\"" + px(left + pw) + "\" y2=\"" + y +
           "\"/><line class=\"tick\" x1=\"" + px(left - 5) + "\" y1=\"" + y + "\" x2=\"" + px(left) + "\" y2=\"" + y +
           "\"/><text class=\"tick-label\" x=\"" + px(left - 8) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + fmt(v) + "</text>\n";
  }
  svg += "<line class=\"axis\" x1=\"" + px(left) + "\" y1=\"" + px(top) + "\" x2=\"" + px(left) + "\" y2=\"" +
         px(top + ph) + "\"/>\n";
  svg += "<text class=\"axis-label\" transform=\"translate(16 " + px(top + ph / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(y_label) + "</text>\n</g>\n";

  // One polyline per series, then the legend.
  for (size_t i = 0; i < series.size(); ++i) {
    const ChartSeries& s = series[i];
    const char* colour = kPalette[i % kPaletteSize];
    std::string points, dots;
    size_t n = 0;
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      points += (n++ ? " " : "") + px(sx(x)) + "," + px(sy(y));
      dots += "<circle cx=\"" + px(sx(x)) + "\" cy=\"" + px(sy(y)) + "\" r=\"3\" fill=\"" + colour + "\"/>";
    }
    svg += "<polyline class=\"series\" data-series=\"" + html_escape(s.name) + "\" fill=\"none\" stroke=\"" + colour +
           "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
    if (n <= kMaxMarkedPoints) svg += "<g class=\"markers\">" + dots + "</g>\n";
  }
  svg += "<g class=\"legend\">\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = top + 8 + 20.0 * static_cast<double>(i);
    svg += "<rect x=\"" + px(left + pw + 14) + "\" y=\"" + px(y) + "\" width=\"14\" height=\"4\" fill=\"" +
           kPalette[i % kPaletteSize] + "\"/><text class=\"legend-label\" x=\"" + px(left + pw + 34) + "\" y=\"" +
           px(y + 4) + "\" dominant-baseline=\"middle\">" + html_escape(series[i].name) + "</text>\n";
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

namespace {

ChartSeries step_series(const MetricsLog& log, const std::string& name, const std::string& label) {
  ChartSeries s{label, {}};
  for (const auto& [step, value] : log.history(name)) s.points.emplace_back(static_cast<double>(step), value);
  return s;
}

// Epoch metrics grouped by chart, in first-logged order: the chart is the
// part of the name after the first '/', the series the part before it.
std::vector<std::pair<std::string, std::vector<ChartSeries>>> epoch_charts(const MetricsLog& log,
                                                                           const ReportConfig& cfg) {
  std::vector<std::pair<std::string, std::vector<ChartSeries>>> charts;
  for (const std::string& name : log.names()) {
    if (name == cfg.lr_name || std::find(cfg.step_series.begin(), cfg.step_series.end(), name) != cfg.step_series.end())
      continue;
    const size_t slash = name.find('/');
    const std::string chart = slash == std::string::npos ? name : name.substr(slash + 1);
    const std::string label = slash == std::string::npos ? name : name.substr(0, slash);
    ChartSeries s{label, {}};
    for (const auto& [epoch, value] : log.epoch_history(name)) s.points.emplace_back(static_cast<double>(epoch), value);
    auto it = std::find_if(charts.begin(), charts.end(), [&](const auto& c) { return c.first == chart; });
    if (it == charts.end()) {
      charts.push_back({chart, {}});
      it = charts.end() - 1;
    }
    it->second.push_back(std::move(s));
  }
  // A per-step series ("train/loss") joins the epoch chart of the same
  // metric ("loss", from "val/loss") as its mean over each epoch, so train
  // and validation loss can be compared.
  for (const std::string& name : cfg.step_series) {
    const size_t slash = name.find('/');
    if (slash == std::string::npos) continue;
    auto it =
        std::find_if(charts.begin(), charts.end(), [&](const auto& c) { return c.first == name.substr(slash + 1); });
    if (it == charts.end()) continue;
    ChartSeries s{name.substr(0, slash) + " (epoch mean)", {}};
    double sum = 0;
    int64_t count = 0, epoch = 0;
    for (const LogRecord& r : log.records()) {
      if (r.name != name) continue;
      if (count && r.epoch != epoch) {
        s.points.emplace_back(static_cast<double>(epoch), sum / static_cast<double>(count));
        sum = 0;
        count = 0;
      }
      epoch = r.epoch;
      sum += r.value;
      ++count;
    }
    if (count) s.points.emplace_back(static_cast<double>(epoch), sum / static_cast<double>(count));
    if (!s.points.empty()) it->second.insert(it->second.begin(), std::move(s));
  }
  return charts;
}

std::string confusion_table(const ReportConfig& cfg) {
  NoGradGuard no_grad;
  const Tensor& m = cfg.confusion_matrix;
  NABLA_CHECK(m.ndim() == 2 && m.size(0) == m.size(1) && m.size(0) > 0, "write_html_report",
              "confusion_matrix must be [C, C], got ", shape_str(m.shape()));
  const int64_t c = m.size(0);
  NABLA_CHECK(cfg.class_names.empty() || static_cast<int64_t>(cfg.class_names.size()) == c, "write_html_report",
              cfg.class_names.size(), " class names for a ", c, "x", c, " confusion matrix");
  Tensor d = m.detach().to(Device::cpu()).to(kFloat64).contiguous();
  const double* v = d.data<double>();
  auto label = [&](int64_t i) { return html_escape(cfg.class_names.empty() ? std::to_string(i) : cfg.class_names[i]); };

  std::string html = "<table class=\"confusion\">\n<tr><th class=\"corner\">true \\ predicted</th>";
  for (int64_t j = 0; j < c; ++j) html += "<th>" + label(j) + "</th>";
  html += "</tr>\n";
  for (int64_t i = 0; i < c; ++i) {
    double row_sum = 0;
    for (int64_t j = 0; j < c; ++j) row_sum += v[i * c + j];
    html += "<tr><th>" + label(i) + "</th>";
    for (int64_t j = 0; j < c; ++j) {
      const double count = v[i * c + j], frac = row_sum > 0 ? count / row_sum : 0;
      // White -> deep blue (#08306B) by the row fraction; light text on dark cells.
      const int r = static_cast<int>(255 + (8 - 255) * frac), g = static_cast<int>(255 + (48 - 255) * frac),
                b = static_cast<int>(255 + (107 - 255) * frac);
      html += "<td style=\"background:rgb(" + std::to_string(r) + "," + std::to_string(g) + "," + std::to_string(b) +
              ");color:" + (frac > 0.5 ? "#fff" : "#000") + "\" title=\"" + fmt(100 * frac) + "% of row\">" +
              fmt_count(count) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

const char* const kStyle = R"(body{font-family:sans-serif;margin:2em auto;max-width:1000px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
table.confusion td{text-align:right;min-width:3em}th.corner{font-weight:normal;font-style:italic}
svg.chart{display:block;margin:.5em 0}.chart-title{font-size:14px;font-weight:bold}
.plot-area{fill:#fafafa;stroke:none}.grid{stroke:#e4e4e4}.axis,.tick{stroke:#444}
.tick-label,.legend-label{font-size:11px;fill:#333}.axis-label{font-size:12px;fill:#222}
.no-data{font-size:13px;fill:#888}
)";

}  // namespace

std::string html_report(const MetricsLog& log, const ReportConfig& cfg) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                     html_escape(cfg.title) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + html_escape(cfg.title) + "</h1>\n";

  if (!cfg.run_config.empty()) {
    html += "<h2>Run configuration</h2>\n<table class=\"config\">\n";
    for (const auto& [key, value] : cfg.run_config)
      html += "<tr><th>" + html_escape(key) + "</th><td>" + html_escape(value) + "</td></tr>\n";
    html += "</table>\n";
  }

  std::vector<ChartSeries> loss;
  for (const std::string& name : cfg.step_series)
    if (log.contains(name)) loss.push_back(step_series(log, name, name));
  if (!loss.empty()) html += "<h2>Training loss</h2>\n" + svg_line_chart("loss per step", "step", "loss", loss);

  if (log.contains(cfg.lr_name))
    html += "<h2>Learning rate</h2>\n" +
            svg_line_chart("learning rate", "step", "learning rate", {step_series(log, cfg.lr_name, cfg.lr_name)});

  const auto charts = epoch_charts(log, cfg);
  if (!charts.empty()) {
    html += "<h2>Metrics per epoch</h2>\n";
    for (const auto& [chart, series] : charts) html += svg_line_chart(chart, "epoch", chart, series);
  }

  const std::vector<std::string> names = log.names();
  if (!names.empty()) {
    html += "<h2>Last values</h2>\n<table class=\"last-values\">\n<tr><th>name</th><th>value</th></tr>\n";
    for (const std::string& name : names)
      html += "<tr><td>" + html_escape(name) + "</td><td>" + fmt(*log.last(name)) + "</td></tr>\n";
    html += "</table>\n";
  }

  if (cfg.confusion_matrix.defined()) html += "<h2>Confusion matrix</h2>\n" + confusion_table(cfg);
  return html + "</body>\n</html>\n";
}

void write_html_report(const std::string& path, const MetricsLog& log, const ReportConfig& config) {
  const std::string html = html_report(log, config);
  write_file_atomically(path, {{html.data(), html.size()}}, "write_html_report");
}

}  // namespace nabla::trainer

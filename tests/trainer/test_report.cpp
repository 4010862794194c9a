// MetricsLog files and checkpoint round trip (trainer/logger.h), and the
// self-contained HTML report (trainer/report.h).
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "file_helpers.h"

using namespace nabla;
using testing::read_bytes;
using testing::TempDir;

namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// A small run: 2 epochs of 3 steps, loss and lr per step, metrics per epoch.
trainer::MetricsLog small_run() {
  trainer::MetricsLog log;
  const double loss[] = {2.5, 1.75, 1.25, 1.0, 0.875, 0.75};
  for (int64_t step = 1; step <= 6; ++step) {
    const int64_t epoch = (step - 1) / 3;
    log.log("train/loss", loss[step - 1], step, epoch);
    log.log("lr", 0.1 / static_cast<double>(step), step, epoch);
    if (step % 3 == 0) {
      log.log(
          {{"accuracy", 0.5 + 0.25 * static_cast<double>(epoch)}, {"f1_macro", 0.4 + 0.2 * static_cast<double>(epoch)}},
          step, epoch, "train/");
      log.log({{"accuracy", 0.45 + 0.25 * static_cast<double>(epoch)}}, step, epoch, "val/");
      log.log("val/loss", 1.5 - 0.5 * static_cast<double>(epoch), step, epoch);
    }
  }
  return log;
}

}  // namespace

TEST_CASE("MetricsLog writes exact CSV and JSON lines", "[report]") {
  TempDir dir;
  trainer::MetricsLog log(dir.file("m.csv"), dir.file("m.jsonl"));
  log.log("train/loss", 0.5, 1, 0);
  log.log("lr", 0.1, 1, 0);
  log.log("val/accuracy", 1.0, 10, 2);
  log.log("odd, \"name\"", -1e-8, 11, 2);
  log.log("bad", std::nan(""), 12, 3);
  log.flush();
  CHECK(read_bytes(dir.file("m.csv")) ==
        "step,epoch,name,value\n"
        "1,0,train/loss,0.5\n"
        "1,0,lr,0.1\n"
        "10,2,val/accuracy,1\n"
        "11,2,\"odd, \"\"name\"\"\",-1e-08\n"
        "12,3,bad,nan\n");
  CHECK(read_bytes(dir.file("m.jsonl")) ==
        "{\"step\":1,\"epoch\":0,\"name\":\"train/loss\",\"value\":0.5}\n"
        "{\"step\":1,\"epoch\":0,\"name\":\"lr\",\"value\":0.1}\n"
        "{\"step\":10,\"epoch\":2,\"name\":\"val/accuracy\",\"value\":1}\n"
        "{\"step\":11,\"epoch\":2,\"name\":\"odd, \\\"name\\\"\",\"value\":-1e-08}\n"
        "{\"step\":12,\"epoch\":3,\"name\":\"bad\",\"value\":null}\n");
  // No temporary files are left next to them.
  size_t files = 0;
  for (const auto& entry : testing::fs::directory_iterator(dir.path())) files += entry.is_regular_file();
  CHECK(files == 2);
}

TEST_CASE("MetricsLog history, epoch_history, names, last", "[report]") {
  trainer::MetricsLog log = small_run();
  auto loss = log.history("train/loss");
  REQUIRE(loss.size() == 6);
  CHECK(loss[0] == std::make_pair(int64_t{1}, 2.5));
  CHECK(loss[5] == std::make_pair(int64_t{6}, 0.75));
  // Two loss records per epoch -> epoch_history keeps the last one of each.
  auto per_epoch = log.epoch_history("train/loss");
  REQUIRE(per_epoch.size() == 2);
  CHECK(per_epoch[0] == std::make_pair(int64_t{0}, 1.25));
  CHECK(per_epoch[1] == std::make_pair(int64_t{1}, 0.75));
  CHECK(log.names() ==
        std::vector<std::string>{"train/loss", "lr", "train/accuracy", "train/f1_macro", "val/accuracy", "val/loss"});
  CHECK(log.last("val/accuracy").value() == 0.45 + 0.25);
  CHECK_FALSE(log.last("nothing").has_value());
  CHECK(log.history("nothing").empty());
}

TEST_CASE("MetricsLog round-trips through its checkpoint JSON", "[report]") {
  trainer::MetricsLog log = small_run();
  log.log("weird \"name\"\n", 0.1 + 0.2, 7, 2);
  log.log("inf", HUGE_VAL, 8, 2);
  log.log("nan", std::nan(""), 9, 2);
  trainer::MetricsLog back = trainer::MetricsLog::from_json(log.to_json());
  REQUIRE(back.size() == log.size());
  for (size_t i = 0; i < log.size(); ++i) {
    const trainer::LogRecord &a = log.records()[i], &b = back.records()[i];
    CHECK(a.step == b.step);
    CHECK(a.epoch == b.epoch);
    CHECK(a.name == b.name);
    if (std::isnan(a.value))
      CHECK(std::isnan(b.value));
    else
      CHECK(a.value == b.value);  // bit-exact: 0.1 + 0.2 survives
  }
  CHECK(back.to_csv() == log.to_csv());
  REQUIRE_THROWS_AS(trainer::MetricsLog::from_json("{\"records\": 3}"), Error);
  REQUIRE_THROWS_AS(trainer::MetricsLog::from_json("not json"), Error);
  REQUIRE_THROWS_AS(trainer::MetricsLog::from_json("{\"version\":1,\"records\":[[1,2,3,4]]}"), Error);
}

TEST_CASE("MetricsLog with flush_every rewrites its files periodically", "[report]") {
  TempDir dir;
  trainer::MetricsLog log(dir.file("m.csv"), "", 2);
  log.log("a", 1, 1, 0);
  CHECK_FALSE(testing::fs::exists(dir.file("m.csv")));
  log.log("a", 2, 2, 0);
  CHECK(read_bytes(dir.file("m.csv")) == "step,epoch,name,value\n1,0,a,1\n2,0,a,2\n");
  log.log("a", 3, 3, 0);
  CHECK(count_of(read_bytes(dir.file("m.csv")), "\n") == 3);  // not yet rewritten
  log.log("a", 4, 4, 0);
  CHECK(count_of(read_bytes(dir.file("m.csv")), "\n") == 5);
}

TEST_CASE("html_escape and svg_line_chart", "[report]") {
  CHECK(trainer::html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  std::string svg = trainer::svg_line_chart(
      "t<1>", "epoch", "value", {{"train", {{0, 1.0}, {1, 0.5}, {2, 0.25}}}, {"val", {{0, 2.0}, {2, 1.0}}}});
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(count_of(svg, "<polyline") == 2);
  CHECK(count_of(svg, "data-series=\"train\"") == 1);
  CHECK(count_of(svg, "data-series=\"val\"") == 1);
  CHECK(count_of(svg, "<circle") == 5);
  CHECK(svg.find("t&lt;1&gt;") != std::string::npos);
  CHECK(svg.find("t<1>") == std::string::npos);
  // Integer x from 0 to 2: ticks at 0, 1, 2 only (no 0.5 steps).
  CHECK(svg.find("text-anchor=\"middle\">0.5</text>") == std::string::npos);
  CHECK(svg.find("text-anchor=\"middle\">2</text>") != std::string::npos);
  // Points span the plot area: the first train point is on the left axis
  // (x = 72), the last val point on the right edge (640 - 140 = 500).
  CHECK(svg.find("points=\"72.00,") != std::string::npos);
  CHECK(svg.find(" 500.00,") != std::string::npos);
  // Nothing finite: a "no data" chart, not a crash.
  std::string empty = trainer::svg_line_chart("e", "x", "y", {{"s", {{0, std::nan("")}}}});
  CHECK(empty.find("no data") != std::string::npos);
}

TEST_CASE("write_html_report makes one self-contained file with every chart", "[report]") {
  TempDir dir;
  trainer::MetricsLog log = small_run();
  trainer::ReportConfig cfg;
  cfg.title = "MLP <test> & report";
  cfg.run_config = {{"optimizer", "SGD"}, {"batch_size", "64"}, {"note", "<script>alert(1)</script>"}};
  cfg.confusion_matrix = from_vector(std::vector<int64_t>{5, 1, 0, 2, 7, 1, 0, 0, 9}, {3, 3});
  cfg.class_names = {"cat", "dog", "b<ird>"};
  const std::string path = dir.file("report.html");
  trainer::write_html_report(path, log, cfg);
  const std::string html = read_bytes(path);
  CHECK(html == trainer::html_report(log, cfg));

  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<h1>MLP &lt;test&gt; &amp; report</h1>") != std::string::npos);
  CHECK(html.find("<th>optimizer</th><td>SGD</td>") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);  // escaped, and no scripts of our own
  CHECK(html.find("&lt;script&gt;") != std::string::npos);
  // Self-contained: no network, no external resources.
  CHECK(html.find("http") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);

  // Charts: loss per step, learning rate, and per-epoch accuracy (train +
  // val), f1_macro (train) and loss (val).
  CHECK(count_of(html, "<svg class=\"chart\"") == 5);
  CHECK(html.find("<title>loss per step</title>") != std::string::npos);
  CHECK(html.find("<title>learning rate</title>") != std::string::npos);
  CHECK(html.find("<title>accuracy</title>") != std::string::npos);
  CHECK(html.find("<title>f1_macro</title>") != std::string::npos);
  CHECK(html.find("<title>loss</title>") != std::string::npos);
  CHECK(count_of(html, "data-series=\"train/loss\"") == 1);
  CHECK(count_of(html, "data-series=\"lr\"") == 1);
  CHECK(count_of(html, "data-series=\"train\"") == 2);  // accuracy, f1_macro
  CHECK(count_of(html, "data-series=\"val\"") == 2);    // accuracy, loss
  // train/loss also joins the "loss" chart as its per-epoch mean: epoch 0
  // (2.5 + 1.75 + 1.25) / 3 = 1.8333, epoch 1 (1 + 0.875 + 0.75) / 3 = 0.875.
  // With val/loss (1.5, 1) the y axis runs 0.8..2 over 276 px from y = 36,
  // the x axis 0..1 over x = 72..500: the means sit at y = 74.33 and 294.75.
  CHECK(count_of(html, "data-series=\"train (epoch mean)\"") == 1);
  CHECK(html.find("points=\"72.00,74.33 500.00,294.75\"") != std::string::npos);
  CHECK(count_of(html, "<polyline") == 7);
  CHECK(count_of(html, "class=\"legend\"") == 5);
  CHECK(count_of(html, "class=\"x-axis\"") == 5);
  CHECK(count_of(html, "class=\"tick-label\"") >= 20);

  // The confusion matrix: a header row and 3 rows of 3 shaded cells.
  CHECK(html.find("<table class=\"confusion\">") != std::string::npos);
  CHECK(html.find("<th>b&lt;ird&gt;</th>") != std::string::npos);
  CHECK(count_of(html, "<td style=\"background:rgb(") == 9);
  // Row "bird" is 9 of 9 on the diagonal: the darkest colour.
  CHECK(html.find("background:rgb(8,48,107);color:#fff\" title=\"100% of row\">9</td>") != std::string::npos);

  // A bad confusion matrix is an Error naming the report.
  cfg.confusion_matrix = zeros({2, 3});
  REQUIRE_THROWS_WITH(trainer::html_report(log, cfg), Catch::Contains("write_html_report"));
}

TEST_CASE("the report renders in headless chromium", "[report]") {
  std::string browser;
  for (const char* name : {"chromium", "chromium-browser"})
    if (std::system((std::string("command -v ") + name + " > /dev/null 2>&1").c_str()) == 0) {
      browser = name;
      break;
    }
  if (browser.empty()) {
    WARN("chromium is not installed: the headless rendering check is skipped");
    return;
  }
  TempDir dir;
  trainer::ReportConfig cfg;
  cfg.confusion_matrix = from_vector(std::vector<int64_t>{3, 1, 0, 4}, {2, 2});
  const std::string path = dir.file("report.html");
  trainer::write_html_report(path, small_run(), cfg);
  const std::string cmd =
      browser + " --headless --disable-gpu --no-sandbox --dump-dom 'file://" + path + "' 2>/dev/null";
  std::string dom;
  if (std::FILE* pipe = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) dom.append(buf, n);
    pclose(pipe);
  }
  INFO("DOM from " << browser << ": " << dom.substr(0, 500));
  CHECK(count_of(dom, "<svg") == 5);
  CHECK(count_of(dom, "<polyline") == 7);
  CHECK(dom.find("data-series=\"train/loss\"") != std::string::npos);
  CHECK(dom.find("class=\"confusion\"") != std::string::npos);
}

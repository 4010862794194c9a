// MetricsLog: every scalar a training run logs, as (step, epoch, name, value)
// records in the order they were logged.
//
//   trainer::MetricsLog log("run/metrics.csv", "run/metrics.jsonl");
//   log.log("train/loss", loss.item(), step, epoch);
//   log.log(metric.compute_all(), step, epoch, "val/");  // val/accuracy, val/f1_macro, ...
//   log.flush();                                          // both files, atomically
//   for (auto [step, value] : log.history("train/loss")) ...
//
// Files (each rewritten whole with write_file_atomically, so a reader never
// sees half a file):
//   CSV          header "step,epoch,name,value", one line per record; a name
//                holding a comma, quote or newline is quoted as RFC 4180 says
//   JSON lines   one object per line: {"step":1,"epoch":0,"name":"train/loss","value":0.25}
//                (NaN and infinities, which JSON cannot hold, are written as null)
// Values are written in the shortest form that reads back to the same double
// (0.1 -> "0.1"), so the files are exact.
//
// With flush_every = k > 0, log() rewrites both files after every k-th
// record, so a crashed run leaves its log behind; flush() writes them at once.
//
// Checkpoints: to_json() is one JSON string holding every record (NaN and
// infinities as the strings "nan", "inf", "-inf", so they survive);
// from_json() restores it. Store the string next to the model's StateDict
// (e.g. as its own file) and restore the log on resume. The file paths and
// flush_every are configuration, not state: they are not saved.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nabla::trainer {

struct LogRecord {
  int64_t step;
  int64_t epoch;
  std::string name;
  double value;
};

class MetricsLog {
 public:
  // A log held in memory only (write_csv / write_jsonl still work).
  MetricsLog() = default;
  // A log that flush() writes to these paths (an empty path is skipped).
  MetricsLog(std::string csv_path, std::string jsonl_path, int64_t flush_every = 0);

  void log(const std::string& name, double value, int64_t step, int64_t epoch);
  // Each (name, value) of `values` as prefix + name, in the map's order.
  void log(const std::map<std::string, double>& values, int64_t step, int64_t epoch, const std::string& prefix = "");

  const std::vector<LogRecord>& records() const { return records_; }
  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  void clear() { records_.clear(); }

  // The (step, value) pairs logged under `name`, in logging order.
  std::vector<std::pair<int64_t, double>> history(const std::string& name) const;
  // The (epoch, value) pairs logged under `name`; when an epoch has several
  // records, the last one.
  std::vector<std::pair<int64_t, double>> epoch_history(const std::string& name) const;
  // The last value logged under `name`, if any.
  std::optional<double> last(const std::string& name) const;
  bool contains(const std::string& name) const;
  // Every name, in the order first logged.
  std::vector<std::string> names() const;

  // The file contents (see the formats above).
  std::string to_csv() const;
  std::string to_jsonl() const;
  void write_csv(const std::string& path) const;
  void write_jsonl(const std::string& path) const;
  // Writes the configured files (no-op for a log without paths).
  void flush() const;

  // Checkpointing: the records as one JSON document, and back.
  std::string to_json() const;
  static MetricsLog from_json(const std::string& json);
  // Replaces the records with those of `json`, keeping paths and flush_every.
  void load_json(const std::string& json);

 private:
  std::string csv_path_, jsonl_path_;
  int64_t flush_every_ = 0;
  std::vector<LogRecord> records_;
};

}  // namespace nabla::trainer

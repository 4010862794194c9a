#include "logger.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "../tensor/atomic_file.h"
#include "../tensor/error.h"

namespace nabla::trainer {

namespace {

using json = nlohmann::json;

// The shortest text that reads back to the same double ("0.1", "1", "1e-08"),
// and "nan", "inf", "-inf" for the rest.
std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 64 chars always suffice for a double
  return std::string(buf, end);
}

// RFC 4180: fields holding a comma, quote or line break are quoted, quotes doubled.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void write_text(const std::string& path, const std::string& text, const char* op) {
  write_file_atomically(path, {{text.data(), text.size()}}, op);
}

}  // namespace

MetricsLog::MetricsLog(std::string csv_path, std::string jsonl_path, int64_t flush_every)
    : csv_path_(std::move(csv_path)), jsonl_path_(std::move(jsonl_path)), flush_every_(flush_every) {
  NABLA_CHECK(flush_every >= 0, "MetricsLog", "flush_every must be >= 0, got ", flush_every);
}

void MetricsLog::log(const std::string& name, double value, int64_t step, int64_t epoch) {
  records_.push_back({step, epoch, name, value});
  if (flush_every_ > 0 && static_cast<int64_t>(records_.size()) % flush_every_ == 0) flush();
}

void MetricsLog::log(const std::map<std::string, double>& values, int64_t step, int64_t epoch,
                     const std::string& prefix) {
  for (const auto& [name, value] : values) log(prefix + name, value, step, epoch);
}

std::vector<std::pair<int64_t, double>> MetricsLog::history(const std::string& name) const {
  std::vector<std::pair<int64_t, double>> out;
  for (const LogRecord& r : records_)
    if (r.name == name) out.emplace_back(r.step, r.value);
  return out;
}

std::vector<std::pair<int64_t, double>> MetricsLog::epoch_history(const std::string& name) const {
  std::vector<std::pair<int64_t, double>> out;
  for (const LogRecord& r : records_) {
    if (r.name != name) continue;
    if (!out.empty() && out.back().first == r.epoch)
      out.back().second = r.value;
    else
      out.emplace_back(r.epoch, r.value);
  }
  return out;
}

std::optional<double> MetricsLog::last(const std::string& name) const {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it)
    if (it->name == name) return it->value;
  return std::nullopt;
}

bool MetricsLog::contains(const std::string& name) const { return last(name).has_value(); }

std::vector<std::string> MetricsLog::names() const {
  std::vector<std::string> out;
  for (const LogRecord& r : records_)
    if (std::find(out.begin(), out.end(), r.name) == out.end()) out.push_back(r.name);
  return out;
}

std::string MetricsLog::to_csv() const {
  std::string out = "step,epoch,name,value\n";
  for (const LogRecord& r : records_)
    out += std::to_string(r.step) + "," + std::to_string(r.epoch) + "," + csv_field(r.name) + "," +
           format_double(r.value) + "\n";
  return out;
}

std::string MetricsLog::to_jsonl() const {
  // Written by hand (names escaped by nlohmann) so the key order is fixed and
  // the numbers match the CSV's exactly.
  std::string out;
  for (const LogRecord& r : records_)
    out += "{\"step\":" + std::to_string(r.step) + ",\"epoch\":" + std::to_string(r.epoch) +
           ",\"name\":" + json(r.name).dump() +
           ",\"value\":" + (std::isfinite(r.value) ? format_double(r.value) : std::string("null")) + "}\n";
  return out;
}

void MetricsLog::write_csv(const std::string& path) const { write_text(path, to_csv(), "MetricsLog.write_csv"); }

void MetricsLog::write_jsonl(const std::string& path) const { write_text(path, to_jsonl(), "MetricsLog.write_jsonl"); }

void MetricsLog::flush() const {
  if (!csv_path_.empty()) write_csv(csv_path_);
  if (!jsonl_path_.empty()) write_jsonl(jsonl_path_);
}

// {"version": 1, "records": [[step, epoch, name, value], ...]}, value a
// number or one of the strings "nan", "inf", "-inf".
std::string MetricsLog::to_json() const {
  json records = json::array();
  for (const LogRecord& r : records_) {
    json value = std::isfinite(r.value) ? json(r.value) : json(format_double(r.value));
    records.push_back(json::array({r.step, r.epoch, r.name, value}));
  }
  return json{{"version", 1}, {"records", records}}.dump();
}

void MetricsLog::load_json(const std::string& text) {
  const char* op = "MetricsLog.from_json";
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    detail::fail(op, "not valid JSON: ", e.what());
  }
  NABLA_CHECK(doc.is_object() && doc.value("version", 0) == 1 && doc.contains("records") && doc["records"].is_array(),
              op, "expected {\"version\": 1, \"records\": [...]}");
  std::vector<LogRecord> records;
  for (const json& r : doc["records"]) {
    NABLA_CHECK(r.is_array() && r.size() == 4 && r[0].is_number_integer() && r[1].is_number_integer() &&
                    r[2].is_string() && (r[3].is_number() || r[3].is_string()),
                op, "bad record ", r.dump(), ": expected [step, epoch, name, value]");
    double value = 0;
    if (r[3].is_number()) {
      value = r[3].get<double>();
    } else {
      const std::string s = r[3].get<std::string>();
      NABLA_CHECK(s == "nan" || s == "inf" || s == "-inf", op, "bad value \"", s, "\" in record ", r.dump());
      value = s == "nan" ? std::nan("") : (s == "inf" ? HUGE_VAL : -HUGE_VAL);
    }
    records.push_back({r[0].get<int64_t>(), r[1].get<int64_t>(), r[2].get<std::string>(), value});
  }
  records_ = std::move(records);
}

MetricsLog MetricsLog::from_json(const std::string& text) {
  MetricsLog log;
  log.load_json(text);
  return log;
}

}  // namespace nabla::trainer

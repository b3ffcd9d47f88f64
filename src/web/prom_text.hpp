#pragma once
// Prometheus text exposition format 0.0.4, written by hand: a few counters and gauges do not need a library.
// https://prometheus.io/docs/instrumenting/exposition_formats/
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callbackd::web {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

class PromText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Starts a metric family: its # HELP and # TYPE lines ("counter" or "gauge").
  PromText& family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    return *this;
  }

  // One sample of the current family.
  PromText& sample(long long value, const Labels& labels = {}) {
    out_.append(name_);
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_.append(labels[i].first).append("=\"").append(escape(labels[i].second)).append("\"");
      }
      out_ += '}';
    }
    out_.append(" ").append(std::to_string(value)).append("\n");
    return *this;
  }

  const std::string& str() const { return out_; }

 private:
  // Label values escape exactly backslash, double quote and newline.
  static std::string escape(std::string_view v) {
    std::string out;
    for (char c : v) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    return out;
  }

  std::string name_;
  std::string out_;
};

}  // namespace callbackd::web

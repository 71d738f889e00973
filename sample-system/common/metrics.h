// Builds a Prometheus text-format exposition (version 0.0.4) for the /metrics endpoints.
#pragma once

#include <cstdint>
#include <string>

namespace refpay {

class MetricsText {
 public:
  void gauge(const std::string& name, const std::string& help, int64_t value,
             const std::string& labels = "") {
    add(name, help, "gauge", value, labels);
  }
  void counter(const std::string& name, const std::string& help, int64_t value,
               const std::string& labels = "") {
    add(name, help, "counter", value, labels);
  }
  // A further sample of a metric already introduced (another label set).
  void sample(const std::string& name, int64_t value, const std::string& labels) {
    text_ += name + "{" + labels + "} " + std::to_string(value) + "\n";
  }
  const std::string& text() const { return text_; }

 private:
  void add(const std::string& name, const std::string& help, const char* type, int64_t value,
           const std::string& labels) {
    text_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    text_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(value) + "\n";
  }
  std::string text_;
};

}  // namespace refpay

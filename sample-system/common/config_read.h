// Small helpers for reading many config keys into fields, stopping at the first error.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "common/config.h"
#include "http/address.h"

namespace refpay {

// Keeps the first error of a run of reads, which stop mattering after it:
//   FirstError first;
//   first(read_string(config, "node.id", id));
//   first(read_int(config, "ledger.pending_max", pending_max, 1, 1'000'000));
//   return first.status();
class FirstError {
 public:
  void operator()(Status next) {
    if (status_) status_ = std::move(next);
  }
  const Status& status() const { return status_; }
  explicit operator bool() const { return static_cast<bool>(status_); }

 private:
  Status status_;
};

// Reads integer `key` (default: the field's current value) into `field` within [min, max].
template <typename T>
Status read_int(Config& config, const std::string& key, T& field, int64_t min, int64_t max) {
  auto value = config.get_int(key, static_cast<int64_t>(field), min, max);
  if (!value) return value.status();
  field = static_cast<T>(*value);
  return Status::ok();
}

inline Status read_string(Config& config, const std::string& key, std::string& field) {
  auto value = config.get_string(key, field);
  if (!value) return value.status();
  field = *value;
  return Status::ok();
}

inline Status read_bool(Config& config, const std::string& key, bool& field) {
  auto value = config.get_bool(key, field);
  if (!value) return value.status();
  field = *value;
  return Status::ok();
}

// Reads "host:port" at `key` into host and port.
inline Status read_address(Config& config, const std::string& key, std::string& host,
                           uint16_t& port) {
  std::string fallback = host + ":" + std::to_string(port);
  auto text = config.get_string(key, fallback);
  if (!text) return text.status();
  auto parsed = parse_host_port(*text);
  if (!parsed) return Status::error(config.where(key) + ": " + key + ": " + parsed.status().message());
  host = parsed->host;
  port = parsed->port;
  return Status::ok();
}

}  // namespace refpay

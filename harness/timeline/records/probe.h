// The harness's health probes (source "probe"): one record per probe of a node's health URL.
// Written by the runner; read by scoring (the harness's own detection) and the HTML report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "timeline/record_codec.h"

namespace firedrill {

inline constexpr std::string_view kProbeSource = "probe";

// A health probe's answer: ok is a 2xx; status 0 and `error` when there was no answer.
struct ProbeHealth {
  static constexpr std::string_view source = kProbeSource, kind = "health";
  std::string node{};
  bool ok = false;
  int64_t status = 0;
  int64_t latency_ns = 0;
  std::string error{};  // "" when answered
  static constexpr auto fields() {
    using R = ProbeHealth;
    return std::tuple{field("node", &R::node), field("ok", &R::ok), field("status", &R::status),
                      field("latency_ns", &R::latency_ns), field("error", &R::error)};
  }
};

}  // namespace firedrill

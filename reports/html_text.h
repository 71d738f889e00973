// What report.html's writers share to write text into HTML: escaping, fixed-point numbers and
// durations for people. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace firedrill::html {

// `text` with & < > " ' escaped for element content and attribute values.
std::string escape(std::string_view text);
// `v` with `digits` digits after the point.
std::string fixed(double v, int digits);
// What a missing value shows: "—".
inline constexpr const char* kNone = "—";
// A duration in ms for people: "850.3 ms", "2.41 s"; "—" when absent.
std::string duration_text(std::optional<double> ms);

}  // namespace firedrill::html

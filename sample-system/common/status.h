// refpay's Status and Result<T>: an error that crosses a boundary is a value whose message says
// what failed, on what, and why ("listen 127.0.0.1:7001: bind: Address already in use").
// refpay's own, like the rest of refpay: it shares no code with the harness that drills it.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace refpay {

// Success, or the message of one error. Tests true when it is a success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return {}; }
  static Status error(std::string message) {
    Status failed;
    failed.error_ = std::move(message);
    return failed;
  }

  explicit operator bool() const { return !error_; }
  // The error message ("" for a success).
  const std::string& message() const {
    static const std::string kNone;
    return error_ ? *error_ : kNone;
  }
  // This error as "context: message"; a success stays a success.
  Status with_context(const std::string& context) const {
    return error_ ? error(context + ": " + *error_) : ok();
  }

 private:
  std::optional<std::string> error_;
};

// A T, or the error Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : held_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Status failure) : held_(std::in_place_index<1>, std::move(failure)) {  // NOLINT: implicit
    assert(!std::get<1>(held_));  // a Result made from a Status holds an error
  }

  explicit operator bool() const { return held_.index() == 0; }
  T& operator*() { return std::get<0>(held_); }
  const T& operator*() const { return std::get<0>(held_); }
  T* operator->() { return &std::get<0>(held_); }
  const T* operator->() const { return &std::get<0>(held_); }
  // The error, or Status::ok() when a value is held.
  Status status() const { return *this ? Status::ok() : std::get<1>(held_); }

 private:
  std::variant<T, Status> held_;
};

}  // namespace refpay

// The secret that lets the live page's stop button stop the drill: 128 random bits, printed on the
// controller's terminal only, so that whoever can see the page but not the terminal cannot stop
// the drill. Compared in constant time.
#pragma once

#include <string>

namespace firedrill {

class StopToken {
 public:
  // A fresh token from the kernel's random source (getrandom(2)).
  static StopToken generate();
  explicit StopToken(std::string text) : text_(std::move(text)) {}

  const std::string& text() const { return text_; }
  // Whether `offered` is this token; its time depends on the length only.
  bool matches(const std::string& offered) const;

 private:
  std::string text_;  // 32 lower-case hex digits
};

}  // namespace firedrill

// StopToken; see stop_token.h.
#include "live/stop_token.h"

#include <openssl/crypto.h>
#include <sys/random.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace firedrill {

StopToken StopToken::generate() {
  std::array<uint8_t, 16> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (uint8_t b : bytes) {
    text += kHex[b >> 4];
    text += kHex[b & 15];
  }
  return StopToken(text);
}

bool StopToken::matches(const std::string& offered) const {
  return offered.size() == text_.size() && CRYPTO_memcmp(offered.data(), text_.data(), text_.size()) == 0;
}

}  // namespace firedrill

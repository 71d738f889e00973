// The SHA-256 digests that bind a backup together: each manifest names the digest of every file it
// covers and of itself, and a restore checks them all. libsodium computes them.
#pragma once

#include <sodium.h>

#include <array>
#include <string>
#include <string_view>

namespace refpay::backup {

// SHA-256 of `bytes` as 64 lowercase hex digits.
inline std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::string hex(2 * digest.size(), '\0');
  sodium_bin2hex(hex.data(), hex.size() + 1, digest.data(), digest.size());
  return hex;
}

}  // namespace refpay::backup

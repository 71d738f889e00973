// SHA-256 as lowercase hex (libsodium): scenario digests, the timeline's hash chain, evidence.
// Users link PkgConfig::SODIUM.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

namespace firedrill {

inline std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace firedrill

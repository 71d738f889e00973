// Keys and DSSE signatures; see signing.h.
#include "evidence/signing.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/limits.h"
#include "core/sha256.h"
#include "evidence/manifest.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace firedrill {
namespace {

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Status init_sodium() {
  if (sodium_init() < 0) return Status::error("libsodium: initialisation failed");
  return Status::ok();
}

std::string to_hex(std::string_view bin) {
  std::string hex(bin.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes_of(bin), bin.size());
  hex.pop_back();
  return hex;
}

std::string to_base64(std::string_view bin) {
  std::string out(sodium_base64_ENCODED_LEN(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes_of(bin), bin.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

// Standard or URL-safe, padded or not (DSSE accepts all four).
std::optional<std::string> from_base64(std::string_view text) {
  std::string out(text.size(), '\0');
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    std::size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr, &length, &end, variant) == 0 &&
        end == text.data() + text.size()) {
      out.resize(length);
      return out;
    }
  }
  return std::nullopt;
}

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error(path + ": " + std::strerror(errno));
  std::string text(kKeyFileMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Status::error(path + ": read failed");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kKeyFileMaxBytes) return Status::error(path + ": larger than a key file");
  return text;
}

// A key file: hex of exactly `bytes` bytes, surrounding white space ignored.
Result<std::string> read_key(const std::string& path, std::size_t bytes, const char* what) {
  auto text = read_small_file(path);
  if (!text) return text.status();
  std::string hex = *text;
  hex.erase(0, hex.find_first_not_of(" \t\r\n"));
  hex.erase(hex.find_last_not_of(" \t\r\n") + 1);
  std::string key(bytes, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (hex.size() != bytes * 2 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex.data(), hex.size(), nullptr,
                     &length, &end) != 0 ||
      length != bytes) {
    sodium_memzero(key.data(), key.size());
    return Status::error(path + ": not " + what + " (" + std::to_string(bytes * 2) + " hex digits)");
  }
  sodium_memzero(text.value().data(), text.value().size());
  sodium_memzero(hex.data(), hex.size());
  return key;
}

// Creates `path` with `mode`, never replacing an existing file, and writes `text`.
Status create_file(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return Status::error(path + ": " + std::strerror(errno) + (errno == EEXIST ? " (not overwritten)" : ""));
  }
  // The mode is also set explicitly: the umask may have taken bits away, never added them.
  ::fchmod(fd, mode);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Status::error(path + ": " + std::strerror(errno));
      ::close(fd);
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Status::error(path + ": " + std::strerror(errno));
  return Status::ok();
}

// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half.
Status replace_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  std::error_code ec;
  fs::remove(temporary, ec);
  if (Status s = create_file(temporary, text, 0644); !s) return s;
  if (::rename(temporary.c_str(), path.c_str()) != 0) return Status::error(path + ": " + std::strerror(errno));
  return Status::ok();
}

}  // namespace

std::string report_bytes(const json::object& report) { return json::serialize(report) + "\n"; }

Status write_report(const std::string& run_dir, const json::object& report) {
  return replace_file((fs::path(run_dir) / kReportFile).string(), report_bytes(report));
}

std::string dsse_pae(std::string_view payload_type, std::string_view payload) {
  std::string out = "DSSEv1 " + std::to_string(payload_type.size()) + " ";
  out += payload_type;
  out += " " + std::to_string(payload.size()) + " ";
  out += payload;
  return out;
}

std::string key_id(const std::string& public_key) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, bytes_of(public_key), public_key.size());
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), 8));
}

Result<KeyPair> keygen(const std::string& secret_key_path, const std::string& public_key_path) {
  if (Status s = init_sodium(); !s) return s;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::string secret_hex = to_hex(std::string_view(reinterpret_cast<const char*>(sk), sizeof sk)) + "\n";
  sodium_memzero(sk, sizeof sk);
  const std::string public_key(reinterpret_cast<const char*>(pk), sizeof pk);
  // The public key first: a failure then leaves no secret key without its public half.
  Status s = create_file(public_key_path, to_hex(public_key) + "\n", 0644);
  if (s) {
    s = create_file(secret_key_path, secret_hex, 0600);
    if (!s) ::unlink(public_key_path.c_str());
  }
  sodium_memzero(secret_hex.data(), secret_hex.size());
  if (!s) return s.with_context("keygen");
  return KeyPair{secret_key_path, public_key_path, key_id(public_key)};
}

Result<KeyPair> keygen(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::error("keygen: " + dir + ": " + ec.message());
  return keygen((fs::path(dir) / kSecretKeyFile).string(), (fs::path(dir) / kPublicKeyFile).string());
}

Result<std::string> read_public_key(const std::string& path) {
  return read_key(path, crypto_sign_PUBLICKEYBYTES, "an Ed25519 public key");
}

Result<std::string> sign_run(const std::string& run_dir, const std::string& secret_key_path) {
  if (Status s = init_sodium(); !s) return s;
  const std::string report_path = (fs::path(run_dir) / kReportFile).string();
  std::ifstream in(report_path, std::ios::binary);
  if (!in) return Status::error("sign: " + report_path + ": " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string payload = buffer.str();
  json::error_code ec;
  json::value report = json::parse(payload, ec);
  if (ec || !report.is_object()) return Status::error("sign: " + report_path + ": not a JSON object");
  const json::value* evidence = report.as_object().if_contains("evidence");
  if (!evidence || !evidence->is_object()) {
    return Status::error("sign: " + report_path + ": no \"evidence\" manifest (embed make_manifest() first)");
  }
  // A signature over a manifest the files no longer match would vouch for nothing.
  if (Status s = check_manifest(run_dir, evidence->as_object()); !s) return s.with_context("sign: " + run_dir);

  auto secret = read_key(secret_key_path, crypto_sign_SECRETKEYBYTES, "an Ed25519 secret key");
  if (!secret) return secret.status().with_context("sign");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(pk, bytes_of(*secret));
  const std::string public_key(reinterpret_cast<const char*>(pk), sizeof pk);
  const std::string pae = dsse_pae(kReportPayloadType, payload);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, bytes_of(pae), pae.size(), bytes_of(*secret));
  sodium_memzero(secret.value().data(), secret.value().size());

  const std::string keyid = key_id(public_key);
  json::object envelope{
      {"payloadType", kReportPayloadType},
      {"payload", to_base64(payload)},
      {"signatures", json::array{json::object{
                         {"keyid", keyid},
                         {"sig", to_base64(std::string_view(reinterpret_cast<const char*>(sig), sizeof sig))}}}}};
  if (Status s = replace_file((fs::path(run_dir) / kSignatureFile).string(), json::serialize(envelope) + "\n"); !s) {
    return s.with_context("sign");
  }
  return keyid;
}

Result<Envelope> parse_envelope(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::error("not a JSON object");
  const json::object& o = v.as_object();
  const json::value* type = o.if_contains("payloadType");
  const json::value* payload = o.if_contains("payload");
  const json::value* signatures = o.if_contains("signatures");
  if (!type || !type->is_string()) return Status::error("no payloadType");
  if (!payload || !payload->is_string()) return Status::error("no payload");
  if (!signatures || !signatures->is_array() || signatures->as_array().empty()) return Status::error("no signatures");
  Envelope envelope;
  envelope.payload_type = std::string(type->as_string());
  auto decoded = from_base64(payload->as_string());
  if (!decoded) return Status::error("payload is not base64");
  envelope.payload = std::move(*decoded);
  for (const json::value& s : signatures->as_array()) {
    const json::object* entry = s.if_object();
    const json::value* sig = entry ? entry->if_contains("sig") : nullptr;
    if (!sig || !sig->is_string()) return Status::error("a signature without \"sig\"");
    auto sig_bytes = from_base64(sig->as_string());
    if (!sig_bytes) return Status::error("a signature that is not base64");
    const json::value* keyid = entry->if_contains("keyid");
    envelope.signatures.push_back(
        Envelope::Signature{keyid && keyid->is_string() ? std::string(keyid->as_string()) : std::string(),
                            std::move(*sig_bytes)});
  }
  return envelope;
}

bool envelope_verifies(const Envelope& envelope, const std::string& public_key) {
  if (sodium_init() < 0 || public_key.size() != crypto_sign_PUBLICKEYBYTES) return false;
  const std::string pae = dsse_pae(envelope.payload_type, envelope.payload);
  for (const auto& s : envelope.signatures) {
    if (s.sig.size() == crypto_sign_BYTES &&
        crypto_sign_verify_detached(bytes_of(s.sig), bytes_of(pae), pae.size(), bytes_of(public_key)) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace firedrill

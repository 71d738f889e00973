// The payment vocabulary shared by the gateway and the ledger: the public request, the API
// error body, and the committed transfer as it is stored, replicated and exported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <boost/json/fwd.hpp>

namespace refpay {

// A client's request to move `amount` minor units from one account to another.
struct PaymentRequest {
  std::string idempotency_key;
  std::string from;
  std::string to;
  int64_t amount = 0;
  int64_t timestamp_ms = 0;  // the client's wall clock, Unix milliseconds
};

// An error answer of the public API: HTTP status, a stable machine code, the offending field.
struct ApiError {
  int status = 400;
  std::string code;     // e.g. "invalid_field", "insufficient_funds"
  std::string field;    // the request field at fault, or empty
  std::string message;  // for people
  std::string to_json() const;
};

// Limits on what a payment may carry; larger values are refused, not truncated.
constexpr std::size_t kIdempotencyKeyBytesMax = 128;
constexpr std::size_t kAccountIdBytesMax = 64;

// Parses and validates a POST /v1/payments body. `header_key` is the Idempotency-Key header,
// used when the body has no "idempotency_key". Malformed input → 400 naming the field; a zero,
// negative, fractional or overflowing amount, or one over `amount_max` → 422; from == to → 422.
std::variant<PaymentRequest, ApiError> parse_payment_request(
    const std::string& body, const std::optional<std::string>& header_key, int64_t amount_max);
std::string payment_request_json(const PaymentRequest& request);

// One committed transfer: an entry of the replicated log.
struct Transfer {
  int64_t position = 0;  // 1, 2, 3, ... in log order
  int64_t epoch = 0;     // the primary's epoch when it was committed
  std::string idempotency_key;
  std::string from;
  std::string to;
  int64_t amount = 0;
  int64_t client_timestamp_ms = 0;
  int64_t committed_at_ms = 0;  // the primary's wall clock at commit (idempotency TTL base)

  // "epoch.position": unique across divergent histories.
  std::string transfer_id() const;
  bool operator==(const Transfer&) const = default;
};

boost::json::object transfer_to_json(const Transfer& transfer);
std::optional<Transfer> transfer_from_json(const boost::json::value& value);
// One NDJSON line (with the trailing newline) as served by /v1/ledger/export.
std::string transfer_export_line(const Transfer& transfer);

// The 201 body for a committed transfer; a repeated idempotency key gets the same body.
std::string payment_result_json(const Transfer& transfer);

}  // namespace refpay

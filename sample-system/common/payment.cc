// Payment parsing and the transfer wire format; see payment.h.
#include "common/payment.h"

#include <boost/json.hpp>

namespace json = boost::json;

namespace refpay {
namespace {

ApiError field_error(const std::string& field, const std::string& message) {
  return ApiError{400, "invalid_field", field, field + ": " + message};
}

bool printable(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Reads a required non-empty printable string field of at most `bytes_max` bytes.
std::variant<std::string, ApiError> string_field(const json::object& body, const char* name,
                                                 std::size_t bytes_max) {
  const json::value* value = body.if_contains(name);
  if (!value) return field_error(name, "required");
  if (!value->is_string()) return field_error(name, "expected a string");
  std::string text(value->as_string());
  if (text.empty()) return field_error(name, "must not be empty");
  if (text.size() > bytes_max) {
    return field_error(name, "longer than " + std::to_string(bytes_max) + " bytes");
  }
  if (!printable(text)) return field_error(name, "contains control characters");
  return text;
}

}  // namespace

std::string ApiError::to_json() const {
  json::object out{{"error", code}, {"message", message}};
  if (!field.empty()) out["field"] = field;
  return json::serialize(out);
}

std::variant<PaymentRequest, ApiError> parse_payment_request(
    const std::string& body, const std::optional<std::string>& header_key, int64_t amount_max) {
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return ApiError{400, "malformed_json", "", "body is not valid JSON: " + ec.message()};
  if (!parsed.is_object()) return ApiError{400, "malformed_json", "", "body must be a JSON object"};
  const json::object& object = parsed.as_object();

  static const char* const kKnown[] = {"idempotency_key", "from", "to", "amount", "timestamp_ms"};
  for (const auto& entry : object) {
    bool known = false;
    for (const char* k : kKnown) known = known || entry.key() == k;
    if (!known) return field_error(std::string(entry.key()), "unknown field");
  }

  PaymentRequest request;
  if (object.contains("idempotency_key") || !header_key) {
    auto key = string_field(object, "idempotency_key", kIdempotencyKeyBytesMax);
    if (auto* error = std::get_if<ApiError>(&key)) return *error;
    request.idempotency_key = std::get<std::string>(key);
  } else {
    if (header_key->empty() || header_key->size() > kIdempotencyKeyBytesMax ||
        !printable(*header_key)) {
      return field_error("Idempotency-Key", "must be 1 to 128 printable bytes");
    }
    request.idempotency_key = *header_key;
  }
  for (auto [name, target] : {std::pair{"from", &request.from}, std::pair{"to", &request.to}}) {
    auto account = string_field(object, name, kAccountIdBytesMax);
    if (auto* error = std::get_if<ApiError>(&account)) return *error;
    *target = std::get<std::string>(account);
  }

  const json::value* amount = object.if_contains("amount");
  if (!amount) return field_error("amount", "required");
  if (amount->is_uint64() || (amount->is_double())) {
    return ApiError{422, "invalid_amount", "amount",
                    "amount: must be a whole number of minor units between 1 and " +
                        std::to_string(amount_max)};
  }
  if (!amount->is_int64()) return field_error("amount", "expected an integer (minor units)");
  request.amount = amount->as_int64();
  if (request.amount <= 0 || request.amount > amount_max) {
    return ApiError{422, "invalid_amount", "amount",
                    "amount: must be between 1 and " + std::to_string(amount_max) +
                        " minor units, got " + std::to_string(request.amount)};
  }

  const json::value* timestamp = object.if_contains("timestamp_ms");
  if (!timestamp) return field_error("timestamp_ms", "required");
  if (!timestamp->is_int64()) return field_error("timestamp_ms", "expected Unix milliseconds");
  request.timestamp_ms = timestamp->as_int64();

  if (request.from == request.to) {
    return ApiError{422, "same_account", "to", "to: must differ from 'from'"};
  }
  return request;
}

std::string payment_request_json(const PaymentRequest& request) {
  return json::serialize(json::object{{"idempotency_key", request.idempotency_key},
                                      {"from", request.from},
                                      {"to", request.to},
                                      {"amount", request.amount},
                                      {"timestamp_ms", request.timestamp_ms}});
}

std::string Transfer::transfer_id() const {
  return std::to_string(epoch) + "." + std::to_string(position);
}

json::object transfer_to_json(const Transfer& t) {
  return json::object{{"position", t.position},
                      {"epoch", t.epoch},
                      {"transfer_id", t.transfer_id()},
                      {"idempotency_key", t.idempotency_key},
                      {"from", t.from},
                      {"to", t.to},
                      {"amount", t.amount},
                      {"client_timestamp_ms", t.client_timestamp_ms},
                      {"committed_at_ms", t.committed_at_ms}};
}

std::optional<Transfer> transfer_from_json(const json::value& value) {
  const json::object* object = value.if_object();
  if (!object) return std::nullopt;
  auto integer = [&](const char* key) -> std::optional<int64_t> {
    const json::value* v = object->if_contains(key);
    if (!v || !v->is_int64()) return std::nullopt;
    return v->as_int64();
  };
  auto text = [&](const char* key) -> std::optional<std::string> {
    const json::value* v = object->if_contains(key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  };
  auto position = integer("position");
  auto epoch = integer("epoch");
  auto amount = integer("amount");
  auto client_ts = integer("client_timestamp_ms");
  auto committed = integer("committed_at_ms");
  auto key = text("idempotency_key");
  auto from = text("from");
  auto to = text("to");
  if (!position || !epoch || !amount || !client_ts || !committed || !key || !from || !to) {
    return std::nullopt;
  }
  return Transfer{*position, *epoch, *key, *from, *to, *amount, *client_ts, *committed};
}

std::string transfer_export_line(const Transfer& transfer) {
  std::string line = json::serialize(transfer_to_json(transfer));
  line.push_back('\n');
  return line;
}

std::string payment_result_json(const Transfer& transfer) {
  json::object out = transfer_to_json(transfer);
  out["status"] = "committed";
  return json::serialize(out);
}

}  // namespace refpay

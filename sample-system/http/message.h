// The request and response that refpay's HTTP handlers see: plain structs, with no Beast types, so
// that the ledger, the gateway and the arbiter compile without Beast's headers.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace refpay {

// One request as the server received it. Header names are in lower case.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query: "/internal/replicate?node=ledger-2&epoch=3"
  std::map<std::string, std::string> headers;
  std::string body;

  // The target without its query string.
  std::string path() const;
  // The raw value of query parameter `name` ("" for "?flag"); refpay's parameters need no
  // percent-decoding.
  std::optional<std::string> query(const std::string& name) const;
  // The value of header `name` (given in lower case).
  std::optional<std::string> header(const std::string& name) const;
};

// One response a handler gives. A status without a body (1xx, 204, 304) drops `body`.
struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Answers one request. Call it once, now or later; a request whose every Respond is dropped
// unanswered gets its connection closed.
using Respond = std::function<void(HttpResponse)>;
// Serves one request.
using HttpHandler = std::function<void(HttpRequest&& request, Respond respond)>;

}  // namespace refpay

// Accessors of HttpRequest; see message.h.
#include "http/message.h"

#include <string_view>

namespace refpay {

std::string HttpRequest::path() const {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> HttpRequest::query(const std::string& name) const {
  const std::size_t start = target.find('?');
  if (start == std::string::npos) return std::nullopt;
  std::string_view query_text(target);
  query_text = query_text.substr(start + 1, query_text.find('#', start) - start - 1);
  std::size_t from = 0;
  while (from <= query_text.size()) {
    std::size_t end = query_text.find('&', from);
    if (end == std::string_view::npos) end = query_text.size();
    const std::string_view pair = query_text.substr(from, end - from);
    const std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return equals == std::string_view::npos ? std::string() : std::string(pair.substr(equals + 1));
    }
    from = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::header(const std::string& name) const {
  if (auto found = headers.find(name); found != headers.end()) return found->second;
  return std::nullopt;
}

}  // namespace refpay

// Resolving fault targets; see target_resolution.h.
#include "runner/target_resolution.h"

#include <boost/json.hpp>
#include <memory>

#include "core/limits.h"
#include "net/http.h"
#include "net/endpoint.h"
#include "runner/fault_wiring.h"

namespace json = boost::json;

namespace firedrill {
namespace {

// The JSON value at `pointer` ("/primary") in `body`, as a string.
std::optional<std::string> json_pointer_string(const std::string& body, const std::string& pointer) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return std::nullopt;
  const json::value* found = v.find_pointer(pointer, ec);
  if (ec || !found || !found->is_string()) return std::nullopt;
  return std::string(found->as_string());
}

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

TargetResolver::TargetResolver(boost::asio::io_context& io, const SystemDefinition& system, const Values& values)
    : io_(io), system_(system), values_(values) {}

void TargetResolver::resolve(const std::string& target, ResolveDone next) {
  // A bare node name (scenario.h: NAME means node:NAME).
  if (!starts_with(target, "node:") && !starts_with(target, "role:")) return next(target);
  std::string name = target.substr(5);
  if (starts_with(target, "node:")) return next(name);
  if (const DynamicRole* role = system_.find_dynamic_role(name)) return ask_dynamic_role(*role, name, std::move(next));
  auto holders = system_.nodes_with_role(name);
  if (!holders.empty()) return next(holders.front()->name);
  next(Status::error("role " + name + ": no node has it"));
}

void TargetResolver::ask_dynamic_role(const DynamicRole& role, const std::string& name, ResolveDone next) {
  auto url = render(role.url, values_);
  if (!url) return next(url.status());
  auto endpoint = split_url(*url);
  if (!endpoint) return next(endpoint.status());
  auto client = std::make_shared<HttpClient>(io_, endpoint->host, endpoint->port, 1);
  client->request("GET", endpoint->target, "", kRoleLookupTimeoutMs,
                  [this, client, role = &role, name, next = std::move(next)](HttpResult r) {
                    client->close();
                    auto node = r.ok() && r.status == 200 ? json_pointer_string(r.body, role->pointer) : std::nullopt;
                    if (!node || !system_.find_node(*node)) {
                      return next(Status::error("role " + name + ": could not resolve (" +
                                                (r.ok() ? std::to_string(r.status) : r.error) + ")"));
                    }
                    next(*node);
                  });
}

// For a kind that takes a whole static role (storage.loss of "role:ledger"): every node with
// the role, joined by ','; nullopt for any other kind or target.
std::optional<std::string> TargetResolver::whole_role(const PlannedStep& step) const {
  if (!targeting_of(step.kind).whole_static_role || !starts_with(step.target, "role:")) return std::nullopt;
  std::string role = step.target.substr(5);
  if (system_.find_dynamic_role(role)) return std::nullopt;
  std::string nodes;
  for (const NodeDefinition* n : system_.nodes_with_role(role)) nodes += (nodes.empty() ? "" : ",") + n->name;
  return nodes;
}

void TargetResolver::resolve_step(const PlannedStep& step, ResolveDone next) {
  if (auto nodes = whole_role(step)) return next(*nodes);
  // A kind that names its nodes in its parameters (network.partition) has a target that only
  // describes them ("role:ledger-primary -> client"): nothing to resolve.
  if (!targeting_of(step.kind).needs_target) return next(step.target);
  resolve(step.target, std::move(next));
}

}  // namespace firedrill

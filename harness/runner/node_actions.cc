// Running node actions; see node_actions.h.
#include "runner/node_actions.h"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "core/limits.h"
#include "runner/console.h"
#include "supervision/supervisor.h"
#include "timeline/timeline.h"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace firedrill {
namespace {

// The last non-empty line written to `path` after `offset`, parsed as JSON; null when it is not
// JSON (an action need not report anything).
json::value last_json_line(const std::string& path, std::uintmax_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uintmax_t>(in.tellg());
  const std::uintmax_t from = std::max(offset, size > kActionReportTailBytes ? size - kActionReportTailBytes : 0);
  in.seekg(static_cast<std::streamoff>(from));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::string line = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  json::error_code ec;
  json::value parsed = json::parse(line, ec);
  return ec ? json::value(nullptr) : parsed;
}

std::string error_of(const TaskResult& r) {
  return !r.error.empty()   ? r.error
         : r.timed_out      ? "timed out"
         : r.signal         ? "killed by signal " + std::to_string(r.signal)
         : r.exit_code != 0 ? "exit status " + std::to_string(r.exit_code)
                            : "";
}

}  // namespace

void NodeActions::fail_now(const ActionRequest& request, const std::string& error,
                           std::function<void(ActionOutcome)> done) {
  parts_.timeline.write(ActionEnd{.fault = request.fault,
                                  .node = request.node,
                                  .action = request.action,
                                  .purpose = request.purpose,
                                  .succeeded = false,
                                  .error = error,
                                  .duration_ns = 0});
  ActionOutcome outcome;
  outcome.error = error;
  boost::asio::post(parts_.io, [done = std::move(done), outcome] { done(outcome); });
}

void NodeActions::run(const ActionRequest& request, std::function<void(ActionOutcome)> done) {
  const NodeDefinition* node = parts_.system.find_node(request.node);
  if (!node || !node->actions.count(request.action)) {
    return fail_now(request, "node " + request.node + " has no action \"" + request.action + "\"", std::move(done));
  }
  ProcessSpec spec = parts_.launched.specs.at(request.node);
  spec.name = request.node + "." + request.action;
  spec.argv.clear();
  const Values values = node_values(parts_.launched.values, request.node, parts_.launched.inputs);
  for (const auto& arg : node->actions.at(request.action)) {
    auto rendered = render(arg, values);
    if (!rendered) return fail_now(request, rendered.status().message(), std::move(done));
    spec.argv.push_back(*rendered);
  }
  spec.stdout_path = parts_.paths.log_out(spec.name);
  spec.stderr_path = parts_.paths.log_err(spec.name);
  std::error_code ec;
  const auto stdout_offset = fs::exists(spec.stdout_path, ec) ? fs::file_size(spec.stdout_path, ec) : 0;
  const int64_t started = parts_.timeline.now_ns();
  parts_.timeline.write(ActionStart{.fault = request.fault,
                                    .node = request.node,
                                    .action = request.action,
                                    .purpose = request.purpose,
                                    .argv = spec.argv});
  parts_.console.say("action " + request.action + " on " + request.node);
  parts_.run_task(spec, node->action_timeout,
                             [this, request, spec, started, stdout_offset, done = std::move(done)](const TaskResult& r) {
                               on_end(request, spec, started, stdout_offset, r, done);
                             });
}

void NodeActions::on_end(const ActionRequest& request, const ProcessSpec& spec, int64_t started_ns,
                         std::uintmax_t stdout_offset, const TaskResult& r, std::function<void(ActionOutcome)> done) {
  ActionOutcome outcome;
  outcome.succeeded = r.succeeded();
  outcome.exit_code = r.exit_code;
  outcome.duration_ns = parts_.timeline.now_ns() - started_ns;
  outcome.output = last_json_line(spec.stdout_path, stdout_offset);
  outcome.error = error_of(r);
  parts_.timeline.write(ActionEnd{.fault = request.fault,
                                  .node = request.node,
                                  .action = request.action,
                                  .purpose = request.purpose,
                                  .succeeded = outcome.succeeded,
                                  .exit_code = r.exit_code,
                                  .signal = r.signal,
                                  .timed_out = r.timed_out,
                                  .error = outcome.error,
                                  .duration_ns = outcome.duration_ns,
                                  .started_ns = started_ns,
                                  .output = outcome.output,
                                  .stdout_path = "logs/" + spec.name + ".out"});
  parts_.console.say("action " + request.action + " on " + request.node + ": " +
                     (outcome.succeeded ? "done" : "failed (" + outcome.error + ")"));
  done(std::move(outcome));
}

}  // namespace firedrill

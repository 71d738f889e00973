// A drill scenario and the system definition it names, as plain validated data (stage ① of
// the drill). Produced by load_scenario(); read by the planner and the runner. Every key and its
// limits are documented in scenarios/README.md; defaults live here, next to the fields.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scenario/diagnostics.h"
#include "scenario/duration.h"

namespace firedrill {

// Groups of node names ("client" and "role:NAME" allowed), as network.partition takes them;
// a plain list is one group.
using NodeGroups = std::vector<std::vector<std::string>>;
// A value of a fault parameter or of a system parameter, typed by its declaration.
using ParameterValue = std::variant<std::string, int64_t, bool, double, Milliseconds, NodeGroups>;
// The text a user would write for it ("5s", "sync", "3").
std::string parameter_text(const ParameterValue& value);

struct DrillSpec {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  Milliseconds duration{0};             // the fault phase: faults happen in [0, duration)
  Milliseconds baseline{3'000};         // steady state must hold this long before any fault
  Milliseconds convergence{15'000};     // after the last revert: time to heal and converge
};

struct WorkloadSpec {
  std::string kind = "payments";
  double rate_per_s = 200;       // open loop: payments are started at this rate, however slow
  int64_t accounts = 64;         // payments move money between this many accounts
  int64_t amount_max = 100;      // minor units per payment, drawn in [1, amount_max]
  Milliseconds timeout{1'000};   // deadline of one request; past it the outcome is unknown
  int64_t in_flight_max = 256;   // beyond this many open requests new payments are not started
  int64_t retries = 2;           // retries of an unknown outcome, with the same idempotency key
  Milliseconds retry_delay{200};
};

struct SteadyStateSpec {
  double success_ratio_min = 0.99;            // of the payments completed in a window
  std::optional<Milliseconds> latency_p99_max;
  Milliseconds window{1'000};                 // sliding window over workload outcomes
  Milliseconds hold{3'000};                   // steady for this long = recovered
  Milliseconds probe_interval{250};           // health probe period
};

struct LogPattern {
  std::string node;     // whose stdout / stderr to watch
  std::string pattern;  // ECMAScript regular expression
};

struct DetectionSpec {
  // Detection through the definition's own Prometheus rules ([monitoring]): firedrill runs
  // Prometheus and Alertmanager as nodes of the drill (harness/monitoring/).
  bool prometheus = false;
  // Rule files of the scenario's own (absolute paths), in place of the definition's: a team
  // trying a new rule, or a drill of a rule that is too slow, without a copy of the definition.
  std::vector<std::string> rule_files;
  // Alert names that count as detection when firing; with `prometheus` and none named, every
  // alert of the rule files counts.
  std::vector<std::string> alerts;
  std::vector<LogPattern> log_patterns;  // for systems without an Alertmanager webhook
  int64_t probe_failures = 3;           // harness-side detection: consecutive failed probes
};

struct ObjectivesSpec {
  std::optional<Milliseconds> detect_within;
  std::optional<Milliseconds> recover_within;  // RTO
  std::optional<int64_t> lost_payments_max;    // RPO in transactions
  std::optional<int64_t> duplicated_payments_max;
  std::optional<double> availability_min;
  // The mean time between failures of this kind in production, when known: with the measured
  // recovery it gives the availability projection A = MTBF / (MTBF + MTTR).
  std::optional<Milliseconds> mtbf;
  // Storage-loss drills: the longest a node's restore may take (first restore start to last
  // restore end of one storage.loss), and the most data, in time, a restore may lose (T0 − the
  // acknowledgement of the newest restored payment; without a restore, the reconciliation's RPO).
  std::optional<Milliseconds> restore_within;
  std::optional<Milliseconds> rpo_within;
};

// Abort guards ([stop]): when one trips during the faults, heal or convergence phase the drill
// is aborted (faults reverted, verdict aborted, exit 4). An absent guard never trips.
struct StopSpec {
  // Trips when the failed + unknown share of the completions of the last steady_state.window
  // stays above error_ratio_max continuously for error_ratio_for. Both set, or neither.
  std::optional<double> error_ratio_max;
  std::optional<Milliseconds> error_ratio_for;
  // Trips when no payment has completed ok for this long while the workload runs.
  std::optional<Milliseconds> no_progress_for;
};

// Where a value came from, for messages found after loading (e.g. by the planner).
struct SourcePosition {
  std::string file;
  int line = 0;
  int column = 0;
};

struct FaultSpec {
  int index = 0;               // position among the scenario's [[fault]] entries
  std::string kind;            // a name in the fault catalog (scenario/fault_catalog.h)
  std::string target;          // "node:NAME" or "role:NAME" (a bare NAME means node:NAME)
  Milliseconds at{0};          // since the start of the fault phase
  std::optional<Milliseconds> duration;
  std::map<std::string, ParameterValue> parameters;  // as declared by the kind, defaults filled
  SourcePosition where;
  // The kind moves a node's clock (its catalog entry says so): the nodes it can land on run
  // with the clock shim (plan.h, clock_reachable_nodes).
  bool reaches_clock = false;
  // The kind cuts a node's power: the nodes it can land on get the durability-tracking volume
  // (plan.h, durable_volume_nodes).
  bool reaches_durability = false;
  // The kind fills a node's volume (plan.h, volume_fill_nodes).
  bool fills_volume = false;
};

// One node as the system definition declares it, with `count` already expanded.
struct NodeDefinition {
  std::string name;
  std::vector<std::string> roles;    // static roles, e.g. "ledger"
  std::vector<std::string> command;  // argv with {placeholders}
  std::map<std::string, std::string> environment;
  int64_t volume_bytes = 64 * 1024 * 1024;
  std::string health_url;            // with placeholders; empty: no health probe
  std::string export_url;            // ledger export (NDJSON) for reconciliation; empty: none
  // Final balances as JSON {"accounts": [{"id": ..., "balance": ...}]}; empty: none (then the
  // invariants are checked on the replay of the export only).
  std::string balances_url;
  // Prometheus text exposition, scraped by the drill's Prometheus when the scenario detects
  // through it; empty: the node is not scraped.
  std::string metrics_url;
  Milliseconds ready_timeout{15'000};
  Milliseconds stop_grace{2'000};
  // Named one-shot commands with placeholders ([node.actions]), run by faults: "restore" rebuilds
  // the data directory from backups after storage.loss, "cold_backup" runs while process.kill
  // keeps the node stopped. Each must finish within action_timeout.
  std::map<std::string, std::vector<std::string>> actions;
  Milliseconds action_timeout{120'000};

  // Where the node runs: "" in the lab; "ssh://USER@ADDRESS[:PORT]" on a host reached over SSH
  // (the definition's [ssh] table says how; harness/remote/).
  std::string host;
  // On a host: the node's data directory ({data_dir}), where disk.full puts its ballast and
  // storage.loss empties. The lab gives each node a volume of its own instead.
  std::string data_dir;
  // On a host, an *attached* node already runs there (a systemd unit, say): `pid_command` prints
  // its main pid, `start` and `stop` are shell commands run on the host to start and stop it.
  // firedrill never stops an attached node at the end. Empty pid_command: firedrill starts
  // `command` itself (a *started* node) and stops it at the end.
  std::string pid_command;
  std::string start_command;
  std::string stop_command;
  // clock.skew on an attached node moves the whole host's clock; refused unless this is true.
  bool allow_host_clock = false;
  bool on_host() const { return !host.empty(); }
  bool attached() const { return !pid_command.empty(); }
};

// The [ssh] table of a system definition whose nodes live on hosts: how firedrill reaches them.
struct SshSettings {
  std::string identity_file;  // the private key
  std::string known_hosts;    // the only known-hosts file consulted (strict checking, always)
  std::string config = "none";  // an ssh_config to read; "none" reads none
  Milliseconds connect_timeout{10'000};
  Milliseconds alive_timeout{3'000};  // no answer for this long: the host counts as lost
  // The controller's address as the hosts reach it ({controller_address}, {alert_url}).
  std::string controller_address;
  // A change's dead-man's switch fires this long after its fault's planned end.
  Milliseconds switch_grace{30'000};
  // A host whose controller has been silent this long stops firedrill's nodes there and deletes
  // its nftables table (the host-wide switch).
  Milliseconds heartbeat_grace{15'000};
  // Where the hosts have firedrill's clock shim (libfiredrill-clock.so), for clock.skew on nodes
  // firedrill starts; empty: the controller's own path (hosts sharing its file system).
  std::string clock_shim;
};

// How the system is monitored ([monitoring] of a definition): the team's own Prometheus rule
// files and, optionally, its Alertmanager configuration, with the intervals that set the
// detection budget (scrape + evaluation + a rule's `for` + group_wait). A scenario with
// [detection] prometheus = true runs Prometheus and Alertmanager with these.
struct MonitoringSpec {
  std::vector<std::string> rule_files;  // absolute paths
  // The team's alertmanager.yml ({alert_url} in it becomes firedrill's receiver); empty:
  // firedrill writes one that sends every alert, as its own group, to the receiver.
  std::string alertmanager_config;
  Milliseconds scrape_interval{500};
  Milliseconds evaluation_interval{500};
  Milliseconds group_wait{500};      // the written alertmanager.yml's route
  Milliseconds group_interval{1'000};
  Milliseconds repeat_interval{3'600'000};
  // The programs (on PATH, or absolute paths): Debian's prometheus and prometheus-alertmanager.
  std::string prometheus = "prometheus";
  std::string alertmanager = "prometheus-alertmanager";
  std::string promtool = "promtool";
  std::string amtool = "amtool";
  // On hosts over SSH: where the two run ("ssh://USER@ADDRESS[:PORT]", a host of the [ssh]
  // table's settings) and the directory they keep their state and configuration in (each its
  // own subdirectory, which must be empty at the start, as every started node's).
  std::string host;
  std::string data_dir;
  bool declared() const { return !rule_files.empty(); }
};

// How the harness learns which node holds a dynamic role such as "ledger-primary": GET `url`
// and read the node name at JSON pointer `pointer`.
struct DynamicRole {
  std::string name;
  std::string url;      // with placeholders, e.g. "http://{node.arbiter.address}:7100/v1/topology"
  std::string pointer;  // e.g. "/primary"
  // The nodes that can ever hold the role (`held_by`: node names and "role:STATIC"), in
  // definition order; every node when the definition does not say. A clock.skew on the role can
  // land on any of them, so exactly these run with the clock shim (DESIGN.md §2).
  std::vector<std::string> held_by;
};

// A list placeholder: `item` rendered for every node with role `role`, joined by `separator`,
// wrapped in `prefix` / `suffix`. It lets a definition hand a peer list to a program.
struct ListPlaceholder {
  std::string name;
  std::string role;
  std::string item;
  std::string separator = ",";
  std::string prefix;
  std::string suffix;
};

// The payment API contract the workload speaks (defaults: refpay's API).
struct PaymentContract {
  std::string base_url;  // with placeholders, e.g. "http://{node.gateway.address}:8080"
  std::string path = "/v1/payments";
  std::string key_field = "idempotency_key";
  std::string from_field = "from";
  std::string to_field = "to";
  std::string amount_field = "amount";
  std::string timestamp_field = "timestamp_ms";  // Unix milliseconds; empty: not sent
  std::string account_pattern = "acct-{i}";      // account i in [1, accounts]
  int64_t initial_balance = 1'000'000'000;
  std::vector<int64_t> success_statuses = {200, 201};
  // Statuses that certainly mean "not applied"; every other status is an unknown outcome.
  std::vector<int64_t> failure_statuses = {400, 404, 409, 413, 422, 503, 507};
};

struct SystemDefinition {
  std::string path;
  std::string name;
  std::string description;
  std::map<std::string, ParameterValue> parameters;  // declared defaults
  std::vector<NodeDefinition> nodes;
  std::vector<DynamicRole> dynamic_roles;
  std::vector<ListPlaceholder> lists;
  PaymentContract payments;
  SshSettings ssh;  // read only when some node has a host
  MonitoringSpec monitoring;  // [monitoring]; declared() false when the definition has none

  // True when the nodes live on hosts over SSH (every node, or none: a drill runs in one place).
  bool on_hosts() const { return !nodes.empty() && nodes.front().on_host(); }

  const NodeDefinition* find_node(const std::string& name) const;
  bool has_static_role(const std::string& role) const;
  // The nodes that have static role `role`, in definition order.
  std::vector<const NodeDefinition*> nodes_with_role(const std::string& role) const;
  const DynamicRole* find_dynamic_role(const std::string& name) const;
};

struct Scenario {
  std::string path;
  std::string text;  // verbatim, for the report
  DrillSpec drill;
  SystemDefinition system;
  std::map<std::string, ParameterValue> system_parameters;  // defaults overridden by [system]
  WorkloadSpec workload;
  SteadyStateSpec steady_state;
  DetectionSpec detection;
  std::vector<FaultSpec> faults;
  ObjectivesSpec objectives;
  StopSpec stop;
};

class FaultCatalog;

// Reads and validates a scenario file and the system definition it names, against the fault
// kinds of `catalog` (scenario/fault_catalog.h; the firedrill executable passes
// builtin_fault_kinds().catalog()). On any error returns every diagnostic found
// (file:line:column, key, message), none of the data.
std::variant<Scenario, Diagnostics> load_scenario(const std::string& path, const FaultCatalog& catalog);
// Reads and validates a system definition on its own.
std::variant<SystemDefinition, Diagnostics> load_system_definition(const std::string& path);
// The verdict a scenario's description states for its system ("Expected verdict: X", X one of
// pass, objectives_missed, safety_failure, inconclusive, aborted; the first one), or "" when it
// states none. `firedrill suite --expect-stated` checks drills against it.
std::string expected_verdict(const std::string& description);

}  // namespace firedrill

// Scoring; see scorer.h. The definitions follow DESIGN.md §5 word for word where it gives them;
// where it is silent the choice is written next to the code.
#include "scoring/scorer.h"

#include "rundir/run_record.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace firedrill {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kGridNs = 100 * kNsPerMs;  // steady-state evaluation step
constexpr std::size_t kIdsMax = 100'000;     // ids listed per category

// ---- small JSON helpers --------------------------------------------------------------------

const json::value* field(const json::object& o, const char* key) { return o.if_contains(key); }

std::string str(const json::object& o, const char* key) {
  const json::value* v = field(o, key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The same, without a copy: a view into `o`, valid while `o` is.
std::string_view view_of(const json::value* v) {
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}
std::string_view view(const json::object& o, const char* key) { return view_of(field(o, key)); }

int64_t num_of(const json::value* v, int64_t fallback = 0) {
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) {
    // Outside int64's range (1e300, or infinity from a huge exponent) the cast is undefined.
    const double d = v->as_double();
    return d >= -0x1p63 && d < 0x1p63 ? static_cast<int64_t>(d) : fallback;
  }
  return fallback;
}

int64_t num(const json::object& o, const char* key, int64_t fallback = 0) { return num_of(field(o, key), fallback); }

double dbl(const json::object& o, const char* key, double fallback = 0) {
  const json::value* v = field(o, key);
  if (!v) return fallback;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  return fallback;
}

std::optional<int64_t> opt_num(const json::object& o, const char* key) {
  const json::value* v = field(o, key);
  if (!v || v->is_null()) return std::nullopt;
  return num(o, key);
}

bool boolean(const json::object& o, const char* key) {
  const json::value* v = field(o, key);
  return v && v->is_bool() && v->as_bool();
}

const json::object& obj(const json::object& o, const char* key) {
  static const json::object empty;
  const json::value* v = field(o, key);
  return v && v->is_object() ? v->as_object() : empty;
}

json::value ms_or_null(std::optional<int64_t> ns) {
  return ns ? json::value(static_cast<double>(*ns) / kNsPerMs) : json::value(nullptr);
}

// Sums of amounts and balances, clamped to int64: a damaged export or balances file may hold any
// int64 (overflow would be undefined), and such values are flagged anyway (corrupted,
// unexpected, balances differ from the replay), so the clamp changes no verdict.
int64_t clamped_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}
int64_t clamped_sub(int64_t a, int64_t b) {
  int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return b < 0 ? INT64_MAX : INT64_MIN;
  return difference;
}

double ms(int64_t ns) { return std::round(static_cast<double>(ns) / 1e3) / 1e3; }

// later − earlier in milliseconds (at least 0), or null when either instant is missing.
json::value difference_ms(const std::optional<int64_t>& later, const std::optional<int64_t>& earlier) {
  if (!later.has_value() || !earlier.has_value()) return nullptr;
  return ms(std::max<int64_t>(0, later.value() - earlier.value()));
}

// ---- what the timeline says ----------------------------------------------------------------

// The fields of the frequent timeline records, found in one pass over a record (its keys are
// unique, so this is what a lookup per field would find, without nine lookups).
struct RecordFields {
  const json::value *source = nullptr, *kind = nullptr, *at = nullptr, *key = nullptr, *from = nullptr,
                    *to = nullptr, *amount = nullptr, *latency = nullptr, *op = nullptr;
};

RecordFields fields_of(const json::object& r) {
  RecordFields f;
  for (const auto& kv : r) {
    const std::string_view name = kv.key();
    if (name == "source") f.source = &kv.value();
    else if (name == "kind") f.kind = &kv.value();
    else if (name == "t_ns") f.at = &kv.value();
    else if (name == "key") f.key = &kv.value();
    else if (name == "from") f.from = &kv.value();
    else if (name == "to") f.to = &kv.value();
    else if (name == "amount") f.amount = &kv.value();
    else if (name == "latency_ns") f.latency = &kv.value();
    else if (name == "op") f.op = &kv.value();
  }
  return f;
}

enum class Outcome { none, ok, fail, unknown };

struct Completion {
  int64_t t_ns;
  Outcome outcome;
  int64_t latency_ns;
};

// The strings scoring compares, by id: those of RunData::strings keep their ids, and any other (a
// key or an account named by a timeline record kept as JSON, an account of an export) is added
// after them. Equal strings have equal ids, so comparing ids compares the strings.
class Names {
 public:
  explicit Names(const StringTable& base) : base_(base), base_size_(static_cast<uint32_t>(base.size())) {}
  // The id of `s`, added when it is new.
  uint32_t id(std::string_view s) {
    if (const int64_t i = base_.find(s); i >= 0) return static_cast<uint32_t>(i);
    const uint32_t extra = extra_.intern(s);
    if (extra > UINT32_MAX - base_size_) throw std::length_error("scoring: more than 2^32 distinct strings");
    return base_size_ + extra;
  }
  // The id of `s`, or -1 when it has none.
  int64_t find(std::string_view s) const {
    if (const int64_t i = base_.find(s); i >= 0) return i;
    const int64_t extra = extra_.find(s);
    return extra > 0 ? base_size_ + extra : -1;  // extra's id 0 is "", which base_ has
  }
  std::string_view view(uint32_t id) const { return id < base_size_ ? base_.view(id) : extra_.view(id - base_size_); }
  std::size_t size() const { return base_size_ + extra_.size(); }

 private:
  const StringTable& base_;
  const uint32_t base_size_;
  StringTable extra_;
};

// One idempotency key: the payment the workload meant, and what it was told. Kept in a vector
// indexed by the key's id in Names (32 bytes per string; `seen` tells the keys apart).
struct KeyState {
  uint32_t from = 0, to = 0;  // Names ids
  int64_t amount = 0;
  int64_t first_ack_ns = 0;  // the first ok completion (when ok)
  bool seen = false;         // a workload record named this key
  bool invoked = false, ok = false, unknown = false, fail = false;
};

struct FaultTimes {
  int index = 0;
  std::string kind, target, node;
  std::optional<int64_t> start_ns, scheduled_ns, t0_ns, reverted_ns;
  bool apply_failed = false;
};

struct AlertEvent {
  int64_t t_ns;
  bool firing;
  std::string name;
  std::string identity;  // alertname + labels
};

struct Timeline {
  explicit Timeline(const StringTable& strings) : names(strings) {}
  Names names;                  // the keys' and accounts' ids
  std::vector<KeyState> keys;   // Names id → its key's state
  std::vector<uint32_t> key_order;  // keys in first invoke order, for stable id lists

  // The state of the key of id `id` (a Names id), recorded as seen.
  KeyState& key(uint32_t id) {
    if (id >= keys.size()) keys.resize(static_cast<std::size_t>(id) + 1);
    keys[id].seen = true;
    return keys[id];
  }
  // The id of a key the timeline mentions, or -1.
  int64_t find(std::string_view k) const { return seen(names.find(k)); }
  // The same, trying `guess` first (exports list payments about in the order they were made).
  int64_t find(std::string_view k, int64_t guess) const {
    if (guess >= 0 && static_cast<std::size_t>(guess) < keys.size() && names.view(static_cast<uint32_t>(guess)) == k) {
      return seen(guess);
    }
    return find(k);
  }
  std::vector<Completion> completions;
  std::map<int, FaultTimes> faults;
  std::vector<AlertEvent> alerts;
  std::vector<std::pair<int64_t, std::string>> log_matches;  // t, pattern
  std::map<std::string, std::vector<std::pair<int64_t, bool>>> probes;
  std::map<std::string, int64_t> phases;
  std::vector<std::string> preconditions_failed, harness_errors, unexpected_exits;
  std::set<std::string> final_reads_ok;
  std::vector<const json::object*> restore_ends;  // action end records of purpose "restore"
  std::optional<std::string> abort_reason;
  std::optional<json::object> stop_condition;  // the guard that tripped, as report.json gives it
  bool ended = false;
  int64_t workload_end_ns = 0;

 private:
  int64_t seen(int64_t id) const {
    return id >= 0 && static_cast<std::size_t>(id) < keys.size() && keys[static_cast<std::size_t>(id)].seen ? id : -1;
  }
};

Outcome outcome_of(std::string_view kind) {
  return kind == "ok" ? Outcome::ok : kind == "fail" ? Outcome::fail : kind == "unknown" ? Outcome::unknown : Outcome::none;
}

// A workload invoke: the first sight of a key that is its invoke says what the payment was.
void note_invoke(Timeline& t, uint32_t key, uint32_t from, uint32_t to, int64_t amount) {
  const bool first_sight = key >= t.keys.size() || !t.keys[key].seen;
  KeyState& k = t.key(key);
  if (!first_sight) return;
  k.invoked = true;
  k.from = from;
  k.to = to;
  k.amount = amount;
  t.key_order.push_back(key);
}

// A workload completion (ok, fail or unknown) of an attempt of `key`.
void note_completion(Timeline& t, uint32_t key, int64_t at, Outcome o, int64_t latency_ns) {
  t.completions.push_back(Completion{at, o, latency_ns});
  t.workload_end_ns = std::max(t.workload_end_ns, at);
  KeyState& k = t.key(key);
  if (o == Outcome::ok) {
    if (!k.ok) k.first_ack_ns = at;
    k.ok = true;
  }
  k.unknown = k.unknown || o == Outcome::unknown;
  k.fail = k.fail || o == Outcome::fail;
}

Timeline read_timeline(const RunData& data) {
  const std::vector<json::object>& records = data.timeline;
  Timeline t(data.strings);
  t.keys.resize(data.strings.size());
  // The workload's records, compact (those of read_run_dir); the rest of the timeline is read
  // below, and the two never touch the same state.
  for (const WorkloadRecord& w : data.workload) {
    if (w.key >= data.strings.size() || w.from >= data.strings.size() || w.to >= data.strings.size()) {
      throw std::out_of_range("workload record names a string its table does not hold");
    }
    if (w.kind == WorkloadRecord::invoke) {
      note_invoke(t, w.key, w.from, w.to, w.value);
    } else if (w.kind != WorkloadRecord::skipped) {
      const Outcome o = w.kind == WorkloadRecord::ok ? Outcome::ok : w.kind == WorkloadRecord::fail ? Outcome::fail : Outcome::unknown;
      note_completion(t, w.key, w.t_ns, o, w.value);
    }
  }
  for (const json::object& r : records) {
    // The fields of the frequent records, found in one pass over the record (a record's keys
    // are unique, so this is what a lookup per field would find).
    const RecordFields fields = fields_of(r);
    const json::value *source_v = fields.source, *kind_v = fields.kind, *at_v = fields.at, *key_v = fields.key,
                      *from_v = fields.from, *to_v = fields.to, *amount_v = fields.amount,
                      *latency_v = fields.latency;
    const std::string_view source = view_of(source_v);
    const std::string_view kind = view_of(kind_v);
    const int64_t at = num_of(at_v);
    if (source == "workload") {
      if (kind == "invoke") {
        const uint32_t key = t.names.id(view_of(key_v));
        note_invoke(t, key, t.names.id(view_of(from_v)), t.names.id(view_of(to_v)), num_of(amount_v));
      } else if (Outcome o = outcome_of(kind); o != Outcome::none) {
        note_completion(t, t.names.id(view_of(key_v)), at, o, num_of(latency_v));
      }
    } else if (source == "fault") {
      FaultTimes& f = t.faults[static_cast<int>(num(r, "fault"))];
      f.index = static_cast<int>(num(r, "fault"));
      if (kind == "apply") {
        f.start_ns = at;
        f.scheduled_ns = num(r, "scheduled_ns", at);
        f.kind = str(r, "fault_kind");
        f.target = str(r, "target");
        f.node = str(r, "node");
      } else if (kind == "applied") {
        if (boolean(r, "verified")) f.t0_ns = at;
      } else if (kind == "apply_failed") {
        f.apply_failed = true;
      } else if (kind == "reverted") {
        f.reverted_ns = at;
      }
    } else if (source == "action" && kind == "end" && str(r, "purpose") == "restore") {
      t.restore_ends.push_back(&r);
    } else if (source == "alertmanager" && kind == "alert") {
      t.alerts.push_back(AlertEvent{at, str(r, "status") == "firing", str(r, "alertname"),
                                    json::serialize(obj(r, "labels"))});
    } else if (source == "logs" && kind == "log_match") {
      t.log_matches.emplace_back(at, str(r, "pattern"));
    } else if (source == "probe" && kind == "health") {
      t.probes[str(r, "node")].emplace_back(at, boolean(r, "ok"));
    } else if (source == "supervisor" && kind == "exited" && !boolean(r, "expected")) {
      t.unexpected_exits.push_back(str(r, "node"));
    } else if (source == "harness") {
      if (kind == "phase") t.phases.emplace(str(r, "phase"), at);
      if (kind == "precondition_failed") t.preconditions_failed.push_back(str(r, "what"));
      if (kind == "error") t.harness_errors.push_back(str(r, "where") + ": " + str(r, "error"));
      if (kind == "abort") t.abort_reason = str(r, "reason");
      if (kind == "stop_condition" && !t.stop_condition) {
        const json::value* threshold = field(r, "threshold");
        const json::value* observed = field(r, "observed");
        t.stop_condition = json::object{{"guard", str(r, "guard")},
                                        {"threshold", threshold ? *threshold : json::value(nullptr)},
                                        {"observed", observed ? *observed : json::value(nullptr)},
                                        {"for_ms", num(r, "for_ms")},
                                        {"since_ms", static_cast<double>(num(r, "since_ns")) / kNsPerMs},
                                        {"tripped_ms", static_cast<double>(at) / kNsPerMs}};
      }
      if (kind == "end") t.ended = true;
      if (kind == "final_read" && boolean(r, "ok")) t.final_reads_ok.insert(str(r, "path"));
    }
  }
  std::sort(t.completions.begin(), t.completions.end(),
            [](const Completion& a, const Completion& b) { return a.t_ns < b.t_ns; });
  return t;
}

// ---- the steady state over time ------------------------------------------------------------

struct SteadyState {
  double success_ratio_min = 0.99;
  std::optional<int64_t> latency_p99_max_ns;
  int64_t window_ns = 1'000 * kNsPerMs;
  int64_t hold_ns = 3'000 * kNsPerMs;
};

// Whether the steady state holds over the window ending at `t` (completions in [t-window, t)).
class SteadyEvaluator {
 public:
  SteadyEvaluator(const std::vector<Completion>& completions, SteadyState spec)
      : completions_(completions), spec_(spec) {}

  bool at(int64_t t) const {
    auto begin = std::lower_bound(completions_.begin(), completions_.end(), t - spec_.window_ns,
                                  [](const Completion& c, int64_t v) { return c.t_ns < v; });
    auto end = std::lower_bound(begin, completions_.end(), t,
                                [](const Completion& c, int64_t v) { return c.t_ns < v; });
    int64_t total = end - begin;
    if (total == 0) return false;
    int64_t ok = std::count_if(begin, end, [](const Completion& c) { return c.outcome == Outcome::ok; });
    if (static_cast<double>(ok) / static_cast<double>(total) < spec_.success_ratio_min) return false;
    if (spec_.latency_p99_max_ns) {
      std::vector<int64_t> latencies;
      for (auto it = begin; it != end; ++it) {
        if (it->outcome == Outcome::ok) latencies.push_back(it->latency_ns);
      }
      if (!latencies.empty()) {
        std::size_t k = static_cast<std::size_t>(0.99 * static_cast<double>(latencies.size() - 1));
        std::nth_element(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(k), latencies.end());
        if (latencies[k] > *spec_.latency_p99_max_ns) return false;
      }
    }
    return true;
  }

  // The start of the last steady stretch in [from, until] if it lasts at least `hold`:
  // steady at every grid point from there to `until` (flapping moves it later).
  std::optional<int64_t> recovery(int64_t from, int64_t until) const {
    std::optional<int64_t> stretch;
    for (int64_t t = from; t <= until; t += kGridNs) {
      if (at(t)) {
        if (!stretch) stretch = t;
      } else {
        stretch.reset();
      }
    }
    if (stretch && until - *stretch >= spec_.hold_ns) return stretch;
    return std::nullopt;
  }

 private:
  const std::vector<Completion>& completions_;
  SteadyState spec_;
};

// ---- exports -------------------------------------------------------------------------------

// Payments of one kind in the reconciliation: how many, their amount, the first kIdsMax keys.
struct Category {
  int64_t count = 0, amount = 0;
  json::array ids;
  void add(std::string_view key, int64_t value) {
    ++count;
    amount = clamped_add(amount, value);
    if (ids.size() < kIdsMax) ids.push_back(json::value(key));
  }
};

// One export text, read: what the reconciliation needs of it, gathered line by line (the text
// itself is not kept). Nodes whose texts are identical share one.
struct Export {
  int64_t transfers = 0;  // lines read as transfers
  int64_t bad_lines = 0;
  std::vector<uint32_t> copies;  // key id → its transfers (keys the timeline mentions)
  // Key id → the amount of its first transfer, when that transfer differs from the request
  // (from, to or amount); sorted by key id once read.
  std::vector<std::pair<uint32_t, int64_t>> corrupted;
  Category unexpected;  // transfers of keys the timeline never mentions, in export order
  std::unordered_map<uint32_t, int64_t> sums;  // account id → the sum of its transfers
  int64_t last_key = -1;  // the key id of the last transfer (a guess for the next)

  std::size_t copies_of(uint32_t key) const { return key < copies.size() ? copies[key] : 0; }
  // The amount of the first transfer of `key` when it is corrupted.
  std::optional<int64_t> corrupted_amount(uint32_t key) const {
    auto it = std::lower_bound(corrupted.begin(), corrupted.end(), std::make_pair(key, INT64_MIN));
    if (it == corrupted.end() || it->first != key) return std::nullopt;
    return it->second;
  }
};

struct ContractFields {
  std::string key = "idempotency_key", from = "from", to = "to", amount = "amount";
  std::string account_pattern = "acct-{i}";
  int64_t initial_balance = 0;
  int64_t accounts = 0;
};

// The common export line, read without building a JSON value: one flat object whose strings
// have no escapes and no bytes outside ASCII, whose numbers are integers of at most 18 digits
// (no leading zero, no "-0"), and in which each contract field appears at most once, the string
// fields as strings and the amount as an integer. Anything else returns false, and the line goes
// to the full parser, so both ways give the same transfer. The views point into `line`.
struct FlatLine {
  std::string_view key, from, to;
  int64_t amount = 0;
};

bool read_flat_line(std::string_view line, const ContractFields& c, FlatLine& out) {
  std::size_t i = 0;
  const std::size_t n = line.size();
  auto ws = [&] {
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n')) ++i;
  };
  auto string = [&](std::string_view& value) {
    if (i >= n || line[i] != '"') return false;
    const std::size_t begin = ++i;
    while (i < n && line[i] != '"') {
      const auto ch = static_cast<unsigned char>(line[i]);
      if (ch == '\\' || ch < 0x20 || ch >= 0x80) return false;
      ++i;
    }
    if (i >= n) return false;
    value = line.substr(begin, i - begin);
    ++i;
    return true;
  };
  bool seen_key = false, seen_from = false, seen_to = false, seen_amount = false;
  out = FlatLine{};
  ws();
  if (i >= n || line[i] != '{') return false;
  ++i;
  ws();
  if (i < n && line[i] == '}') {
    ++i;
  } else {
    for (;;) {
      std::string_view name;
      if (!string(name)) return false;
      ws();
      if (i >= n || line[i] != ':') return false;
      ++i;
      ws();
      if (i >= n) return false;
      std::string_view text;
      bool is_string = false, is_integer = false;
      int64_t integer = 0;
      const char ch = line[i];
      if (ch == '"') {
        if (!string(text)) return false;
        is_string = true;
      } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        const bool negative = ch == '-';
        if (negative) ++i;
        const std::size_t digits = i;
        // Digits past the 18th are not added (the line is rejected below): int64 would overflow.
        for (; i < n && line[i] >= '0' && line[i] <= '9'; ++i) {
          if (i - digits < 18) integer = integer * 10 + (line[i] - '0');
        }
        const std::size_t count = i - digits;
        if (count == 0 || count > 18 || (line[digits] == '0' && (count > 1 || negative))) return false;
        if (i < n && (line[i] == '.' || line[i] == 'e' || line[i] == 'E')) return false;
        if (negative) integer = -integer;
        is_integer = true;
      } else if (line.compare(i, 4, "true") == 0 || line.compare(i, 4, "null") == 0) {
        i += 4;
      } else if (line.compare(i, 5, "false") == 0) {
        i += 5;
      } else {
        return false;  // an object, an array, or not JSON
      }
      auto take = [&](bool& seen, bool type_ok) {
        if (seen || !type_ok) return false;
        seen = true;
        return true;
      };
      if (name == c.key) {
        if (!take(seen_key, is_string)) return false;
        out.key = text;
      } else if (name == c.from) {
        if (!take(seen_from, is_string)) return false;
        out.from = text;
      } else if (name == c.to) {
        if (!take(seen_to, is_string)) return false;
        out.to = text;
      } else if (name == c.amount) {
        if (!take(seen_amount, is_integer)) return false;
        out.amount = integer;
      }
      ws();
      if (i < n && line[i] == ',') {
        ++i;
        ws();
        continue;
      }
      if (i < n && line[i] == '}') {
        ++i;
        break;
      }
      return false;
    }
  }
  ws();
  return i == n;
}

// One transfer of an export, into `out`: counted, summed per account, and checked against the
// request its key names (copies, first copy) or kept as never requested.
void add_transfer(Timeline& t, std::string_view key, std::string_view from, std::string_view to, int64_t amount,
                  Export& out) {
  ++out.transfers;
  const uint32_t from_id = t.names.id(from), to_id = t.names.id(to);
  out.sums[from_id] = clamped_sub(out.sums[from_id], amount);
  out.sums[to_id] = clamped_add(out.sums[to_id], amount);
  const int64_t id = t.find(key, out.last_key + 1);
  out.last_key = id;
  if (id < 0) {
    out.unexpected.add(key, amount);
    return;
  }
  const auto k = static_cast<uint32_t>(id);
  if (out.copies[k]++ > 0) return;
  const KeyState& requested = t.keys[k];
  if (from_id != requested.from || to_id != requested.to || amount != requested.amount) {
    out.corrupted.emplace_back(k, amount);
  }
}

// One NDJSON line (not blank): ordinary lines are read in place, others parsed into a stack
// buffer; a line that is not a JSON object is counted as bad.
void read_export_line(std::string_view line, const ContractFields& c, Timeline& t, Export& out) {
  if (FlatLine flat; read_flat_line(line, c, flat)) {
    add_transfer(t, flat.key, flat.from, flat.to, flat.amount, out);
    return;
  }
  alignas(std::max_align_t) unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::error_code ec;
  json::value v = json::parse(line, ec, &arena);
  if (ec || !v.is_object()) {
    ++out.bad_lines;
    return;
  }
  const json::object& o = v.as_object();
  add_transfer(t, view(o, c.key.c_str()), view(o, c.from.c_str()), view(o, c.to.c_str()), num(o, c.amount.c_str()), out);
}

constexpr std::size_t kBlockBytes = std::size_t{1} << 20;  // read from an export at a time

// The lines of a text read a block at a time: the part of a line a block cuts off is kept for
// the next one, so the buffer holds a block and the longest line.
class LineBuffer {
 public:
  // Reads the next block after what is not yet taken; returns the bytes read (none at the end).
  std::string_view fill(ExportReader& in) {
    // Nothing to keep at the start, when the buffer may still be empty (memmove of a null
    // pointer is undefined even for 0 bytes; found by the ledger_export fuzzer's UBSan build).
    if (end_ > begin_) std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (buffer_.size() < end_ + kBlockBytes) buffer_.resize(end_ + kBlockBytes);
    const std::size_t got = in.read(buffer_.data() + end_, kBlockBytes);
    const std::string_view fresh(buffer_.data() + end_, got);
    end_ += got;
    return fresh;
  }
  // The next whole line (without its newline); at the end, the rest too. False when none.
  bool next(std::string_view& line, bool at_end) {
    if (begin_ == end_) return false;
    const char* start = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (!newline && !at_end) return false;
    const std::size_t length = newline ? static_cast<std::size_t>(newline - start) : end_ - begin_;
    line = std::string_view(start, length);
    begin_ += newline ? length + 1 : length;
    return true;
  }

 private:
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
};

// The exports of `data`, each distinct text read once: node → its Export (in `parsed`). The
// first node of each group of identical texts is read and the others of its size are compared
// with it block by block meanwhile; a node that differs is read again later, as the first of
// its own group. Unreadable files are named in `errors`.
std::map<std::string, Export*> read_exports(const RunData& data, const ContractFields& c, Timeline& t,
                                            std::deque<Export>& parsed, std::vector<std::string>& errors) {
  std::vector<std::pair<const std::string*, const ExportSource*>> nodes;
  for (const auto& [node, source] : data.exports) nodes.emplace_back(&node, &source);
  std::vector<Export*> group(nodes.size(), nullptr);
  std::vector<char> other(kBlockBytes);
  for (std::size_t first = 0; first < nodes.size(); ++first) {
    if (group[first]) continue;
    Export& e = parsed.emplace_back();
    group[first] = &e;
    e.copies.assign(t.keys.size(), 0);
    ExportReader reader(*nodes[first].second);
    std::vector<std::pair<std::size_t, std::unique_ptr<ExportReader>>> same;  // identical so far
    for (std::size_t i = first + 1; i < nodes.size() && reader.error().empty(); ++i) {
      if (group[i]) continue;
      auto candidate = std::make_unique<ExportReader>(*nodes[i].second);
      const bool sizes_differ = candidate->size() >= 0 && reader.size() >= 0 && candidate->size() != reader.size();
      if (candidate->error().empty() && !sizes_differ) same.emplace_back(i, std::move(candidate));
    }
    LineBuffer lines;
    for (bool at_end = false; !at_end;) {
      const std::string_view block = lines.fill(reader);
      at_end = block.empty();
      std::erase_if(same, [&](const auto& s) {
        // At the end, a candidate must be at its end too.
        const std::size_t want = at_end ? 1 : block.size();
        const std::size_t got = s.second->read(other.data(), want);
        return !s.second->error().empty() || (at_end ? got != 0 : got != want || std::memcmp(other.data(), block.data(), got) != 0);
      });
      for (std::string_view line; lines.next(line, at_end);) {
        if (!line.empty()) read_export_line(line, c, t, e);
      }
    }
    if (!reader.error().empty()) errors.push_back(reader.error());
    for (const auto& s : same) group[s.first] = &e;
    std::sort(e.corrupted.begin(), e.corrupted.end());
  }
  std::map<std::string, Export*> exports;
  for (std::size_t i = 0; i < nodes.size(); ++i) exports[*nodes[i].first] = group[i];
  return exports;
}

std::string account_name(const ContractFields& c, int64_t i) {
  std::string name = c.account_pattern;
  for (std::size_t at; (at = name.find("{i}")) != std::string::npos;) name.replace(at, 3, std::to_string(i));
  return name;
}

// The balances an export implies: the initial balances plus the sums of its transfers.
std::map<std::string, int64_t> replay(const Export& e, const ContractFields& c, const Names& names) {
  std::map<std::string, int64_t> balances;
  for (int64_t i = 1; i <= c.accounts; ++i) balances[account_name(c, i)] = c.initial_balance;
  for (const auto& [account, sum] : e.sums) {
    int64_t& balance = balances[std::string(names.view(account))];
    balance = clamped_add(balance, sum);
  }
  return balances;
}

// ---- the report ----------------------------------------------------------------------------

struct Failures {
  std::vector<std::string> inconclusive, aborted, safety, objectives;
};

json::array to_array(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.push_back(json::value(s));
  return out;
}

// Mutates `t` only to name the accounts the exports name (Timeline::names).
json::object reconcile(const RunData& data, Timeline& t, const ContractFields& c,
                       const std::vector<int64_t>& t0s, Failures& failures) {
  // Each distinct export text is read once; replicas normally hold identical texts.
  std::deque<Export> parsed;
  std::vector<std::string> read_errors;
  const std::map<std::string, Export*> exports = read_exports(data, c, t, parsed, read_errors);  // node → its export
  int64_t bad_lines = 0;
  for (const auto& [node, e] : exports) bad_lines += e->bad_lines;
  // The reference is the fullest export; the others must equal it (replicas agree).
  std::string reference;
  for (const auto& [node, e] : exports) {
    if (reference.empty() || e->transfers > exports.at(reference)->transfers) reference = node;
  }
  const bool replicas_agree = parsed.size() <= 1;  // every text equals the reference's
  const Export empty;
  const Export& ref = reference.empty() ? empty : *exports.at(reference);

  Category lost, duplicated, failed_but_applied, corrupted, recovered, unknown_absent;
  const Category& unexpected = ref.unexpected;
  int64_t acknowledged = 0;
  std::optional<int64_t> earliest_lost_ack, latest_lost_ack;
  std::vector<int64_t> lost_acks;
  json::array lost_payments;  // the evidence of each: id, amount, when it was acknowledged
  for (uint32_t id : t.key_order) {
    const KeyState& k = t.keys[id];
    const std::string_view key = t.names.view(id);
    const std::size_t copies = ref.copies_of(id);
    if (k.ok) ++acknowledged;
    if (copies > 1) duplicated.add(key, k.amount * static_cast<int64_t>(copies - 1));
    if (copies >= 1) {
      if (const std::optional<int64_t> amount = ref.corrupted_amount(id)) corrupted.add(key, *amount);
    }
    if (k.ok && copies == 0) {
      lost.add(key, k.amount);
      earliest_lost_ack = std::min(earliest_lost_ack.value_or(k.first_ack_ns), k.first_ack_ns);
      latest_lost_ack = std::max(latest_lost_ack.value_or(k.first_ack_ns), k.first_ack_ns);
      lost_acks.push_back(k.first_ack_ns);
      if (lost_payments.size() < kIdsMax) {  // bounded as lost_ids is
        lost_payments.push_back(json::object{{"id", key}, {"amount", k.amount}, {"acknowledged_ms", ms(k.first_ack_ns)}});
      }
    } else if (!k.ok && k.unknown) {
      (copies ? recovered : unknown_absent).add(key, k.amount);
    } else if (!k.ok && k.fail && copies > 0) {
      failed_but_applied.add(key, k.amount);
    }
  }

  // Invariants on every node: balances = replay of its own export, money conserved, none negative.
  int64_t expected_total = c.accounts * c.initial_balance;
  bool money_conserved = true, balances_match = true;
  int64_t negative = 0;
  json::array invariant_problems;
  std::map<const Export*, std::map<std::string, int64_t>> replays;  // each computed once
  for (const auto& [node, e] : exports) {
    auto [at, added] = replays.try_emplace(e);
    if (added) at->second = replay(*e, c, t.names);
    const std::map<std::string, int64_t>& replayed = at->second;
    auto text = data.balances.find(node);
    std::map<std::string, int64_t> reported = replayed;
    if (text != data.balances.end()) {
      reported.clear();
      json::error_code ec;
      json::value v = json::parse(text->second, ec);
      const json::value* accounts = ec || !v.is_object() ? nullptr : v.as_object().if_contains("accounts");
      if (!accounts || !accounts->is_array()) {
        invariant_problems.push_back(json::value(node + ": unreadable balances"));
        balances_match = false;
        continue;
      }
      for (const auto& a : accounts->as_array()) {
        if (a.is_object()) reported[str(a.as_object(), "id")] = num(a.as_object(), "balance");
      }
      if (reported != replayed) {
        balances_match = false;
        invariant_problems.push_back(json::value(node + ": balances differ from the replay of its transfers"));
      }
    }
    int64_t total = 0;
    for (const auto& [id, balance] : reported) {
      total = clamped_add(total, balance);
      if (balance < 0) {
        ++negative;
        invariant_problems.push_back(json::value(node + ": " + id + " is negative"));
      }
    }
    if (total != expected_total) {
      money_conserved = false;
      invariant_problems.push_back(json::value(node + ": total " + std::to_string(total) + " != " +
                                               std::to_string(expected_total)));
    }
  }

  // The disaster instant for the RPO: the first T0 at or after the last lost acknowledgement
  // (the fault that destroyed them, e.g. the kill after a pause); else the last T0.
  std::optional<int64_t> rpo_t0;
  if (!t0s.empty()) {
    rpo_t0 = t0s.back();
    for (int64_t t0 : t0s) {
      if (latest_lost_ack && t0 >= *latest_lost_ack) {
        rpo_t0 = t0;
        break;
      }
    }
  }
  int64_t lost_after_t0 = 0;
  for (int64_t ack : lost_acks) lost_after_t0 += rpo_t0 && ack >= *rpo_t0 ? 1 : 0;
  int64_t lost_max = opt_num(obj(data.run, "objectives"), "lost_payments_max").value_or(0);
  int64_t dup_max = opt_num(obj(data.run, "objectives"), "duplicated_payments_max").value_or(0);
  auto safety = [&](bool bad, const std::string& what) {
    if (bad) failures.safety.push_back(what);
  };
  safety(lost.count > lost_max, std::to_string(lost.count) + " acknowledged payments lost (allowed " + std::to_string(lost_max) + ")");
  safety(duplicated.count > dup_max, std::to_string(duplicated.count) + " payments applied more than once (allowed " + std::to_string(dup_max) + ")");
  safety(failed_but_applied.count > 0, std::to_string(failed_but_applied.count) + " payments reported failed but applied");
  safety(unexpected.count > 0, std::to_string(unexpected.count) + " transfers never requested");
  safety(corrupted.count > 0, std::to_string(corrupted.count) + " transfers differ from their request");
  safety(!money_conserved, "money not conserved");
  safety(negative > 0, std::to_string(negative) + " negative balances");
  safety(!balances_match, "balances differ from the replay of the transfers");
  safety(!replicas_agree, "replicas disagree");
  if (data.exports.empty()) failures.inconclusive.push_back("no ledger export was read: nothing to reconcile");
  if (bad_lines > 0) failures.inconclusive.push_back(std::to_string(bad_lines) + " unreadable export lines");
  for (const std::string& e : read_errors) failures.inconclusive.push_back(e);

  json::object out{{"reference_node", reference},
                   {"invoked", static_cast<int64_t>(t.key_order.size())},
                   {"acknowledged", acknowledged},
                   {"lost", lost.count}, {"lost_ids", lost.ids}, {"lost_amount", lost.amount},
                   {"lost_after_t0", lost_after_t0},
                   {"lost_payments", std::move(lost_payments)},
                   {"duplicated", duplicated.count}, {"duplicated_ids", duplicated.ids},
                   {"failed_but_applied", failed_but_applied.count}, {"failed_but_applied_ids", failed_but_applied.ids},
                   {"unexpected", unexpected.count}, {"unexpected_ids", unexpected.ids},
                   {"corrupted", corrupted.count}, {"corrupted_ids", corrupted.ids},
                   {"recovered", recovered.count}, {"unknown_absent", unknown_absent.count},
                   {"money_conserved", money_conserved},
                   {"negative_balances", negative},
                   {"balances_match_replay", balances_match},
                   {"replicas_agree", replicas_agree},
                   {"invariant_problems", std::move(invariant_problems)},
                   {"rpo_ms", earliest_lost_ack && rpo_t0 ? json::value(std::max<double>(0, ms(*rpo_t0 - *earliest_lost_ack)))
                                                          : json::value(0)},
                   {"rpo_t0_ms", rpo_t0 ? json::value(ms(*rpo_t0)) : json::value(nullptr)},
                   {"loss_span_ms", earliest_lost_ack ? json::value(ms(*latest_lost_ack - *earliest_lost_ack)) : json::value(0)}};
  return out;
}

// The first time at or after `from` when some node's probe failed `n` times in a row.
std::optional<int64_t> harness_detection(const Timeline& t, int64_t from, int64_t n) {
  std::optional<int64_t> best;
  for (const auto& [node, results] : t.probes) {
    int64_t run = 0;
    for (const auto& [at, ok] : results) {
      if (at < from) continue;
      run = ok ? 0 : run + 1;
      if (run == n) {
        best = std::min(best.value_or(at), at);
        break;
      }
    }
  }
  return best;
}

// How long a fault's recovery is observed: until the next fault that starts after this one is
// reverted (its own disturbance must not count against this one), else the end of the workload.
// Faults that overlap this one share its window: the drill measures their joint recovery.
int64_t observation_end(const Timeline& t, const FaultTimes& fault) {
  int64_t settled = fault.reverted_ns.value_or(fault.t0_ns.value_or(0));
  int64_t end = t.workload_end_ns;
  for (const auto& [index, other] : t.faults) {
    if (other.start_ns && *other.start_ns > settled) end = std::min(end, *other.start_ns);
  }
  return end;
}

json::array measure_faults(const RunData& data, const Timeline& t, const SteadyEvaluator& steady,
                           Failures& failures, std::vector<int64_t>& recoveries) {
  const json::object& detection = obj(data.run, "detection");
  std::set<std::string> alerts, patterns;
  if (const json::value* a = field(detection, "alerts"); a && a->is_array()) {
    for (const auto& v : a->as_array()) alerts.insert(std::string(v.as_string()));
  }
  if (const json::value* l = field(detection, "log_patterns"); l && l->is_array()) {
    for (const auto& v : l->as_array()) patterns.insert(str(v.as_object(), "pattern"));
  }
  int64_t probe_failures = num(detection, "probe_failures", 3);
  const json::object& objectives = obj(data.run, "objectives");
  auto detect_within = opt_num(objectives, "detect_within_ms");
  auto recover_within = opt_num(objectives, "recover_within_ms");
  std::optional<int64_t> latency_max;
  if (auto v = opt_num(obj(data.run, "steady_state"), "latency_p99_max_ms")) latency_max = *v * kNsPerMs;

  json::array out;
  for (const auto& [index, f] : t.faults) {
    if (f.apply_failed || !f.t0_ns) {
      failures.inconclusive.push_back("fault[" + std::to_string(index) + "] " + f.kind + " was never verified in effect");
      continue;
    }
    int64_t t0 = *f.t0_ns;
    int64_t start = f.start_ns.value_or(t0);
    // Detection alerts already firing when the fault step started make the detection
    // meaningless. The step's start, not T0: a fault acts before its verification completes (a
    // clock page is read by the node within microseconds, a witness takes milliseconds), so a
    // fast system can alert between the two, and that alert is the fault's doing.
    std::map<std::string, bool> firing;
    for (const auto& a : t.alerts) {
      if (a.t_ns >= start) break;
      if (alerts.count(a.name)) firing[a.identity] = a.firing;
    }
    for (const auto& [identity, on] : firing) {
      if (on) failures.inconclusive.push_back("fault[" + std::to_string(index) + "]: detection alert already firing before the fault was applied: " + identity);
    }
    std::optional<int64_t> impact;
    for (const auto& c : t.completions) {
      if (c.t_ns < start) continue;
      bool slow = latency_max && c.outcome == Outcome::ok && c.latency_ns > *latency_max;
      if (c.outcome != Outcome::ok || slow) {
        impact = c.t_ns;
        break;
      }
    }
    for (const auto& [node, results] : t.probes) {
      for (const auto& [at, ok] : results) {
        if (at >= start && !ok) {
          impact = std::min(impact.value_or(at), at);
          break;
        }
      }
    }
    // T_detect: the first detection signal after the step started, no earlier than T0 (one seen
    // while the apply was still verifying is detection in 0 ms).
    std::optional<int64_t> detect;
    std::string detected_by;
    for (const auto& a : t.alerts) {
      if (a.t_ns >= start && a.firing && alerts.count(a.name)) {
        detect = std::max(a.t_ns, t0);
        detected_by = "alert " + a.name;
        break;
      }
    }
    for (const auto& [at, pattern] : t.log_matches) {
      if (at >= start && patterns.count(pattern) && (!detect || std::max(at, t0) < *detect)) {
        detect = std::max(at, t0);
        detected_by = "log /" + pattern + "/";
        break;
      }
    }
    auto harness = harness_detection(t, t0, probe_failures);
    std::optional<int64_t> recover;
    bool masked = !impact;
    if (masked) {
      recover = t0;
    } else {
      recover = steady.recovery(*impact, observation_end(t, f));
    }
    int64_t detection_ns = detect.value_or(t0) - t0;
    int64_t recovery_ns = std::max<int64_t>(0, recover.value_or(t0) - t0);
    if (recover) recoveries.push_back(recovery_ns);
    std::string name = "fault[" + std::to_string(index) + "] " + f.kind + " on " + f.node;
    // Compared as reported (ms to the µs), so the objectives list and the verdict agree.
    if (detect_within) {
      if (!detect) failures.objectives.push_back(name + ": undetected (detect within " + std::to_string(*detect_within) + " ms)");
      else if (ms(detection_ns) > static_cast<double>(*detect_within)) {
        failures.objectives.push_back(name + ": detected in " + std::to_string(ms(detection_ns)) + " ms, objective " + std::to_string(*detect_within) + " ms");
      }
    }
    // Not recovered is an objective missed with or without an RTO (DESIGN.md §6).
    if (!recover) {
      failures.objectives.push_back(name + ": not recovered" +
                                    (recover_within ? " (recover within " + std::to_string(*recover_within) + " ms)" : std::string()));
    } else if (recover_within && ms(recovery_ns) > static_cast<double>(*recover_within)) {
      failures.objectives.push_back(name + ": recovered in " + std::to_string(ms(recovery_ns)) + " ms, objective " + std::to_string(*recover_within) + " ms");
    }
    int64_t probe_interval_ms = num(obj(data.run, "steady_state"), "probe_interval_ms", 250);
    int64_t window_ms = num(obj(data.run, "steady_state"), "window_ms", 1000);
    out.push_back(json::object{
        {"index", index}, {"kind", f.kind}, {"target", f.target}, {"node", f.node},
        {"scheduled_ms", ms_or_null(f.scheduled_ns)}, {"t0_ms", ms(t0)},
        {"injection_gap_ms", ms(t0 - f.scheduled_ns.value_or(t0))},
        {"reverted_ms", ms_or_null(f.reverted_ns)},
        {"impact_ms", ms_or_null(impact)}, {"masked", masked},
        {"detected", detect.has_value()}, {"detected_by", detected_by},
        {"detection_ms", difference_ms(detect, t0)},
        {"harness_detection_ms", difference_ms(harness, t0)},
        {"detection_gap_ms", difference_ms(detect, harness)},
        {"recovered", recover.has_value()},
        {"recovery_ms", difference_ms(recover, t0)},
        // recovery = detection + repair (R = T_d + T_r)
        {"repair_ms", difference_ms(recover, detect)},
        {"outage_ms", difference_ms(recover, impact)},
        // What limits the precision of these numbers (DESIGN.md §5).
        {"uncertainty_ms", json::object{{"injection_gap", ms(t0 - f.scheduled_ns.value_or(t0))},
                                        {"probe_interval", probe_interval_ms},
                                        {"steady_state_grid", kGridNs / kNsPerMs},
                                        {"steady_state_window", window_ms}}}});
  }
  return out;
}

json::object availability(const RunData& data, const Timeline& t, const std::vector<int64_t>& recoveries) {
  int64_t ok = 0, total = 0;
  for (const auto& c : t.completions) {
    ++total;
    ok += c.outcome == Outcome::ok ? 1 : 0;
  }
  double ratio = total ? static_cast<double>(ok) / static_cast<double>(total) : 0;
  double slo = dbl(obj(data.run, "steady_state"), "success_ratio_min", 0.99);
  json::object out{{"success_ratio", ratio}, {"attempts", total}, {"ok", ok}, {"slo", slo},
                   {"error_budget_consumed", slo < 1 ? (1 - ratio) / (1 - slo) : json::value(nullptr)}};
  auto mtbf = opt_num(obj(data.run, "objectives"), "mtbf_ms");
  if (mtbf && !recoveries.empty()) {
    double mttr_ms = 0;
    for (int64_t r : recoveries) mttr_ms += static_cast<double>(r) / kNsPerMs;
    mttr_ms /= static_cast<double>(recoveries.size());
    out["mttr_ms"] = mttr_ms;
    out["projected_availability"] = static_cast<double>(*mtbf) / (static_cast<double>(*mtbf) + mttr_ms);
  }
  // Fault tolerance: nodes that kept serving (no unexpected exit, no run of failed probes).
  int64_t probe_failures = num(obj(data.run, "detection"), "probe_failures", 3);
  int64_t nodes = 0, survived = 0;
  if (const json::value* list = field(data.run, "nodes"); list && list->is_array()) {
    for (const auto& n : list->as_array()) {
      std::string name = str(n.as_object(), "name");
      ++nodes;
      bool exited = std::count(t.unexpected_exits.begin(), t.unexpected_exits.end(), name) > 0;
      bool down = false;
      int64_t run = 0;
      if (auto it = t.probes.find(name); it != t.probes.end()) {
        for (const auto& [at, good] : it->second) {
          run = good ? 0 : run + 1;
          down = down || run >= probe_failures;
        }
      }
      survived += exited || down ? 0 : 1;
    }
  }
  out["fault_tolerance"] = nodes ? static_cast<double>(survived) / static_cast<double>(nodes) : 0.0;
  out["nodes_survived"] = survived;
  out["nodes"] = nodes;
  return out;
}

// Storage-loss drills (DESIGN.md §5 "Restore"): every restore action with its duration and its
// report (refpay-restore prints one JSON line: restored_position, restored_key, damaged_file),
// the restored point (the newest restored transfer: the highest position any node restored) and
// when the workload was told that payment was acknowledged, the RPO against it, the backups'
// integrity, and the restore objectives. Null when the drill ran no restore.
json::value score_restores(const RunData& data, const Timeline& t, const json::object& reconciliation,
                           Failures& failures, json::array& restores, json::array& objectives) {
  const json::object& o = obj(data.run, "objectives");
  auto restore_within = opt_num(o, "restore_within_ms");
  struct PerFault {
    int64_t first_start = 0, last_end = 0;
    bool all_succeeded = true;
    int64_t restores = 0;
  };
  std::map<int, PerFault> per_fault;
  json::array damaged_files;
  json::object best_point;
  int64_t best_position = -1;
  std::optional<int64_t> best_ack_ns;
  int best_fault = -1;
  for (const json::object* end_record : t.restore_ends) {
    const json::object& r = *end_record;
    const int fault = static_cast<int>(num(r, "fault"));
    const int64_t ended = num(r, "t_ns");
    const int64_t started = num(r, "started_ns", ended - num(r, "duration_ns"));
    const bool succeeded = boolean(r, "succeeded");
    const json::value* output = field(r, "output");
    const json::object empty;
    const json::object& report = output && output->is_object() ? output->as_object() : empty;
    const std::string node = str(r, "node");
    const std::string key = str(report, "restored_key");
    std::optional<int64_t> ack_ns;
    if (int64_t i = t.find(key); !key.empty() && i >= 0 && t.keys[static_cast<std::size_t>(i)].ok) {
      ack_ns = t.keys[static_cast<std::size_t>(i)].first_ack_ns;
    }
    const std::string damaged = str(report, "damaged_file");
    restores.push_back(json::object{
        {"fault", fault}, {"node", node}, {"action", str(r, "action")},
        {"started_ms", ms(started)}, {"ended_ms", ms(ended)}, {"duration_ms", ms(ended - started)},
        {"succeeded", succeeded}, {"error", str(r, "error")},
        {"restored_position", succeeded ? json::value(num(report, "restored_position")) : json::value(nullptr)},
        {"restored_key", succeeded ? json::value(key) : json::value(nullptr)},
        {"restored_point_ms", succeeded ? ms_or_null(ack_ns) : json::value(nullptr)},
        {"damaged_file", damaged.empty() ? json::value(nullptr) : json::value(damaged)}});
    PerFault& p = per_fault[fault];
    p.first_start = p.restores ? std::min(p.first_start, started) : started;
    p.last_end = std::max(p.last_end, ended);
    p.all_succeeded = p.all_succeeded && succeeded;
    ++p.restores;
    std::string who = "fault[" + std::to_string(fault) + "] storage.loss: restore of " + node;
    if (!damaged.empty()) {
      damaged_files.push_back(json::value(damaged));
      failures.safety.push_back(who + " refused a damaged backup: " + damaged);
    } else if (!succeeded) {
      failures.objectives.push_back(who + " failed: " + str(r, "error"));
    }
    if (succeeded && num(report, "restored_position") > best_position) {
      best_position = num(report, "restored_position");
      best_ack_ns = ack_ns;
      best_fault = fault;
      best_point = json::object{{"node", node},
                                {"position", best_position},
                                {"key", key},
                                {"committed_at_ms", report.contains("restored_committed_at_ms")
                                                        ? report.at("restored_committed_at_ms")
                                                        : json::value(nullptr)},
                                {"acknowledged_ms", ms_or_null(ack_ns)}};
    }
  }
  // The RPO against the restored point: from that payment's acknowledgement to the loss (T0).
  // A restore that brought back no payment of this drill falls back to the reconciliation's RPO.
  json::value rpo = reconciliation.contains("rpo_ms") ? reconciliation.at("rpo_ms") : json::value(0);
  if (best_fault >= 0 && best_ack_ns) {
    if (auto it = t.faults.find(best_fault); it != t.faults.end() && it->second.t0_ns) {
      rpo = std::max<double>(0, ms(*it->second.t0_ns - *best_ack_ns));
    }
  }
  if (auto target = opt_num(o, "rpo_within_ms")) {
    bool pass = rpo.to_number<double>() <= static_cast<double>(*target);
    objectives.push_back(json::object{{"name", "rpo_within"}, {"target", *target}, {"measured", rpo}, {"pass", pass}});
    if (!pass) {
      failures.objectives.push_back("RPO " + std::to_string(rpo.to_number<double>()) + " ms, objective " +
                                    std::to_string(*target) + " ms");
    }
  }
  if (per_fault.empty()) return nullptr;
  double duration_ms = 0;
  for (const auto& [fault, p] : per_fault) {
    double d = ms(p.last_end - p.first_start);
    duration_ms = std::max(duration_ms, d);
    if (!restore_within) continue;
    bool pass = p.all_succeeded && d <= static_cast<double>(*restore_within);
    std::string who = "fault[" + std::to_string(fault) + "]";
    objectives.push_back(json::object{{"name", who + " restore_within"}, {"target", *restore_within},
                                      {"measured", p.all_succeeded ? json::value(d) : json::value(nullptr)},
                                      {"pass", pass}});
    if (p.all_succeeded && !pass) {
      failures.objectives.push_back(who + " storage.loss: restored in " + std::to_string(d) + " ms, objective " +
                                    std::to_string(*restore_within) + " ms");
    }
  }
  int64_t failed = 0;
  for (const auto& r : restores) failed += boolean(r.as_object(), "succeeded") ? 0 : 1;
  return json::object{
      {"restores", static_cast<int64_t>(restores.size())},
      {"failed", failed},
      {"duration_ms", duration_ms},
      {"restored_point", best_position >= 0 ? json::value(std::move(best_point)) : json::value(nullptr)},
      {"rpo_ms", rpo},
      // The payments acknowledged after the restored point that the system did not get back:
      // the reconciliation's lost set, named here because it is the restore's loss.
      {"lost", reconciliation.at("lost")},
      {"lost_ids", reconciliation.at("lost_ids")},
      {"lost_amount", reconciliation.at("lost_amount")},
      {"backup_integrity", damaged_files.empty()},
      {"damaged_files", std::move(damaged_files)}};
}

std::string verdict_of(const Failures& f) {
  if (!f.inconclusive.empty()) return "inconclusive";
  if (!f.aborted.empty()) return "aborted";
  if (!f.safety.empty()) return "safety_failure";
  if (!f.objectives.empty()) return "objectives_missed";
  return "pass";
}

json::object score_or_throw(const RunData& data) {
  Timeline t = read_timeline(data);
  Failures failures;
  for (const auto& e : data.read_errors) failures.inconclusive.push_back(e);
  for (const auto& p : t.preconditions_failed) failures.inconclusive.push_back("precondition failed: " + p);
  for (const auto& e : t.harness_errors) failures.inconclusive.push_back("harness error: " + e);
  if (t.abort_reason) failures.aborted.push_back(*t.abort_reason);
  if (!t.ended) failures.inconclusive.push_back("the run did not finish (no end record): the controller was interrupted");
  if (std::string(data.run.contains("schema") ? data.run.at("schema").as_string() : "") != kRunRecordSchema) {
    failures.inconclusive.push_back("run.json missing or of an unknown schema");
  }
  // A section missing or of another type would read as its defaults ("objectives": 5 as no
  // objectives at all) and could let a drill pass: the run.json is damaged.
  for (const char* section : {"objectives", "steady_state", "detection", "workload", "contract"}) {
    const json::value* v = field(data.run, section);
    if (!v || !v->is_object()) failures.inconclusive.push_back(std::string("run.json: ") + section + " missing or not an object");
  }
  const json::object& ss = obj(data.run, "steady_state");
  SteadyState spec;
  spec.success_ratio_min = dbl(ss, "success_ratio_min", 0.99);
  if (auto v = opt_num(ss, "latency_p99_max_ms")) spec.latency_p99_max_ns = *v * kNsPerMs;
  spec.window_ns = num(ss, "window_ms", 1000) * kNsPerMs;
  spec.hold_ns = num(ss, "hold_ms", 3000) * kNsPerMs;
  SteadyEvaluator steady(t.completions, spec);

  std::vector<int64_t> recoveries;
  json::array faults = measure_faults(data, t, steady, failures, recoveries);
  std::vector<int64_t> t0s;
  for (const auto& [i, f] : t.faults) {
    if (f.t0_ns) t0s.push_back(*f.t0_ns);
  }
  std::sort(t0s.begin(), t0s.end());
  const json::object& contract = obj(data.run, "contract");
  ContractFields c;
  c.key = str(contract, "key_field");
  c.from = str(contract, "from_field");
  c.to = str(contract, "to_field");
  c.amount = str(contract, "amount_field");
  c.account_pattern = str(contract, "account_pattern");
  c.initial_balance = num(contract, "initial_balance");
  c.accounts = num(obj(data.run, "workload"), "accounts");
  json::object reconciliation = reconcile(data, t, c, t0s, failures);
  json::object avail = availability(data, t, recoveries);
  if (auto min = field(obj(data.run, "objectives"), "availability_min"); min && min->is_number()) {
    double target = min->to_number<double>();
    if (avail["success_ratio"].as_double() < target) {
      failures.objectives.push_back("availability " + std::to_string(avail["success_ratio"].as_double()) +
                                    " below the objective " + std::to_string(target));
    }
  }

  // Objectives vs measured, one entry per objective and fault.
  json::array objectives;
  const json::object& o = obj(data.run, "objectives");
  for (const auto& fv : faults) {
    const json::object& f = fv.as_object();
    std::string who = "fault[" + std::to_string(num(f, "index")) + "] ";
    if (auto target = opt_num(o, "detect_within_ms")) {
      bool pass = boolean(f, "detected") && f.at("detection_ms").to_number<double>() <= static_cast<double>(*target);
      objectives.push_back(json::object{{"name", who + "detect_within"}, {"target", *target}, {"measured", f.at("detection_ms")}, {"pass", pass}});
    }
    if (auto target = opt_num(o, "recover_within_ms")) {
      bool pass = boolean(f, "recovered") && f.at("recovery_ms").to_number<double>() <= static_cast<double>(*target);
      objectives.push_back(json::object{{"name", who + "recover_within"}, {"target", *target}, {"measured", f.at("recovery_ms")}, {"pass", pass}});
    }
  }
  int64_t lost_max = opt_num(o, "lost_payments_max").value_or(0);
  objectives.push_back(json::object{{"name", "lost_payments_max"}, {"target", lost_max},
                                    {"measured", reconciliation["lost"]}, {"pass", reconciliation["lost"].as_int64() <= lost_max}});
  int64_t dup_max = opt_num(o, "duplicated_payments_max").value_or(0);
  objectives.push_back(json::object{{"name", "duplicated_payments_max"}, {"target", dup_max},
                                    {"measured", reconciliation["duplicated"]}, {"pass", reconciliation["duplicated"].as_int64() <= dup_max}});
  if (auto min = field(o, "availability_min"); min && min->is_number()) {
    objectives.push_back(json::object{{"name", "availability_min"}, {"target", *min}, {"measured", avail["success_ratio"]},
                                      {"pass", avail["success_ratio"].as_double() >= min->to_number<double>()}});
  }

  json::array restores;
  json::value restore = score_restores(data, t, reconciliation, failures, restores, objectives);

  std::string verdict = verdict_of(failures);
  const json::object& scenario = obj(data.run, "scenario");
  json::object report{
      {"schema", kReportSchema},
      {"verdict", verdict},
      {"exit_code", exit_code_of(verdict)},
      {"scenario", json::object{{"name", str(scenario, "name")}, {"digest", str(scenario, "digest")},
                                {"description", str(scenario, "description")}}},
      {"seed", data.run.contains("seed") ? data.run.at("seed") : json::value(nullptr)},
      {"failures", json::object{{"inconclusive", to_array(failures.inconclusive)},
                                {"aborted", to_array(failures.aborted)},
                                {"safety", to_array(failures.safety)},
                                {"objectives", to_array(failures.objectives)}}},
      {"faults", std::move(faults)},
      {"reconciliation", std::move(reconciliation)},
      {"availability", std::move(avail)},
      {"objectives", std::move(objectives)},
      {"unexpected_exits", to_array(t.unexpected_exits)},
      {"restore", std::move(restore)},
      {"restores", std::move(restores)},
  };
  if (t.stop_condition) report["stop_condition"] = std::move(*t.stop_condition);
  return report;
}

// The compact form of a workload record of a known kind, or nullopt.
std::optional<WorkloadRecord> workload_record(const json::object& r, StringTable& strings) {
  const RecordFields f = fields_of(r);
  const json::value *source_v = f.source, *kind_v = f.kind, *at_v = f.at, *key_v = f.key, *from_v = f.from,
                    *to_v = f.to, *amount_v = f.amount, *latency_v = f.latency, *op_v = f.op;
  if (view_of(source_v) != "workload") return std::nullopt;
  const std::string_view kind = view_of(kind_v);
  WorkloadRecord w;
  if (kind == "invoke") w.kind = WorkloadRecord::invoke;
  else if (kind == "ok") w.kind = WorkloadRecord::ok;
  else if (kind == "fail") w.kind = WorkloadRecord::fail;
  else if (kind == "unknown") w.kind = WorkloadRecord::unknown;
  else if (kind == "skipped") w.kind = WorkloadRecord::skipped;
  else return std::nullopt;
  w.t_ns = num_of(at_v);
  if (at_v && at_v->is_number()) w.flags |= WorkloadRecord::has_t;
  w.op = num_of(op_v, -1);
  w.key = strings.intern(view_of(key_v));
  if (w.kind == WorkloadRecord::invoke) {
    w.from = strings.intern(view_of(from_v));
    w.to = strings.intern(view_of(to_v));
    w.value = num_of(amount_v);
  } else {
    w.value = num_of(latency_v);
    if (latency_v && latency_v->is_number()) w.flags |= WorkloadRecord::has_latency;
  }
  return w;
}

}  // namespace

StringTable::StringTable() : offsets_{0, 0} { rehash(16); }

void StringTable::rehash(std::size_t capacity) {
  slots_.assign(capacity, 0);
  for (uint32_t id = 1; id < size(); ++id) {
    std::size_t i = std::hash<std::string_view>{}(view(id)) & (capacity - 1);
    while (slots_[i] != 0) i = (i + 1) & (capacity - 1);
    slots_[i] = id + 1;
  }
}

int64_t StringTable::find(std::string_view s) const {
  if (s.empty()) return 0;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = std::hash<std::string_view>{}(s) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == 0) return -1;
    if (view(slots_[i] - 1) == s) return slots_[i] - 1;
  }
}

uint32_t StringTable::intern(std::string_view s) {
  if (s.empty()) return 0;
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = std::hash<std::string_view>{}(s) & mask;
  for (;; i = (i + 1) & mask) {
    if (slots_[i] == 0) break;
    if (view(slots_[i] - 1) == s) return slots_[i] - 1;
  }
  const auto id = static_cast<uint32_t>(size());
  chars_.append(s);
  offsets_.push_back(chars_.size());
  slots_[i] = id + 1;
  if (2 * (size() + 1) > slots_.size()) rehash(2 * slots_.size());
  return id;
}

void add_record(RunData& data, json::object record) {
  if (auto w = workload_record(record, data.strings)) {
    data.workload.push_back(*w);
  } else {
    data.timeline.push_back(std::move(record));
  }
}

Result<RunData> read_run_dir(const std::string& dir) {
  RunData data;
  auto read_text = [](const fs::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::stringstream s;
    s << in.rdbuf();
    out = s.str();
    return true;
  };
  std::string text;
  if (!fs::is_directory(dir)) return Status::error("score " + dir + ": not a run directory");
  if (read_text(fs::path(dir) / "run.json", text)) {
    json::error_code ec;
    json::value v = json::parse(text, ec);
    if (!ec && v.is_object()) data.run = v.as_object();
    else data.read_errors.push_back("run.json: not JSON");
  } else {
    data.read_errors.push_back("run.json: missing");
  }
  // One record at a time: the timeline of a big drill is hundreds of MB.
  std::ifstream lines(fs::path(dir) / "timeline.jsonl", std::ios::binary);
  if (!lines) {
    // `run` writes scenario.toml before the lab is built and the timeline opened: a directory
    // with one and no timeline is a run interrupted before its first record, and scores (as
    // inconclusive) like any other interrupted run.
    if (!fs::exists(fs::path(dir) / "scenario.toml")) return Status::error("score " + dir + ": no timeline.jsonl");
    data.read_errors.push_back("timeline.jsonl: missing: the run ended before its first record");
    return data;
  }
  std::string line;
  int64_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    json::error_code ec;
    // Parsed into a buffer on the stack; only the records kept as JSON are copied out of it.
    unsigned char buffer[4096];
    json::monotonic_resource scratch(buffer, sizeof buffer);
    json::value v = json::parse(line, ec, json::storage_ptr(&scratch));
    // A controller killed mid-write leaves at most a torn last line; anything else is damage.
    if (ec || !v.is_object()) {
      data.read_errors.push_back("timeline.jsonl:" + std::to_string(number) + ": unreadable record");
      continue;
    }
    if (auto w = workload_record(v.as_object(), data.strings)) {
      data.workload.push_back(*w);
    } else {
      data.timeline.emplace_back(v.as_object(), json::storage_ptr());
    }
  }
  fs::path exports = fs::path(dir) / "exports";
  if (fs::is_directory(exports)) {
    for (const auto& entry : fs::directory_iterator(exports)) {
      std::string name = entry.path().filename().string();
      if (name.size() > 7 && name.substr(name.size() - 7) == ".ndjson") {
        // A regular file is named and read by score() (the exports of a big drill are hundreds
        // of MB each); anything else that opens is read as it was before, into memory.
        if (!std::ifstream(entry.path(), std::ios::binary)) continue;
        const std::string node = name.substr(0, name.size() - 7);
        std::error_code ec;
        if (entry.is_regular_file(ec)) {
          data.exports[node] = ExportSource::file(entry.path().string());
        } else if (read_text(entry.path(), text)) {
          data.exports[node] = text;
        }
      } else if (name.size() > 14 && name.substr(name.size() - 14) == ".balances.json") {
        if (read_text(entry.path(), text)) data.balances[name.substr(0, name.size() - 14)] = text;
      }
    }
  }
  return data;
}

json::object score(const RunData& data) {
  try {
    return score_or_throw(data);
  } catch (const std::exception& e) {
    // A checker that fails must never let a drill pass.
    return json::object{{"schema", kReportSchema},
                        {"verdict", "inconclusive"},
                        {"exit_code", 3},
                        {"failures", json::object{{"inconclusive", json::array{json::value(std::string("checker error: ") + e.what())}},
                                                  {"aborted", json::array{}}, {"safety", json::array{}}, {"objectives", json::array{}}}}};
  }
}

int exit_code_of(const std::string& verdict) {
  if (verdict == "pass") return 0;
  if (verdict == "objectives_missed") return 1;
  if (verdict == "safety_failure") return 2;
  if (verdict == "aborted") return 4;
  return 3;
}

std::string report_summary(const json::object& report) {
  std::ostringstream out;
  out << "verdict: " << str(report, "verdict") << " (exit " << num(report, "exit_code") << ")\n";
  if (const json::value* faults = field(report, "faults"); faults && faults->is_array()) {
    for (const auto& fv : faults->as_array()) {
      const json::object& f = fv.as_object();
      auto text = [&](const char* key) {
        const json::value* v = field(f, key);
        if (!v || v->is_null()) return std::string("-");
        std::ostringstream s;
        s << v->to_number<double>() << " ms";
        return s.str();
      };
      out << "  fault[" << num(f, "index") << "] " << str(f, "kind") << " on " << str(f, "node")
          << ": detection " << (boolean(f, "detected") ? text("detection_ms") + " (" + str(f, "detected_by") + ")" : "UNDETECTED")
          << ", recovery " << (boolean(f, "recovered") ? text("recovery_ms") : "NOT RECOVERED")
          << (boolean(f, "masked") ? " (masked: no impact)" : "") << "\n";
    }
  }
  const json::object& r = obj(report, "reconciliation");
  if (!r.empty()) {
    out << "  payments: " << num(r, "acknowledged") << " acknowledged, " << num(r, "lost") << " lost, "
        << num(r, "duplicated") << " duplicated, " << num(r, "failed_but_applied") << " failed-but-applied, "
        << num(r, "recovered") << " unknown→applied, " << num(r, "unknown_absent") << " unknown→absent; RPO "
        << (field(r, "rpo_ms") ? field(r, "rpo_ms")->to_number<double>() : 0) << " ms\n";
  }
  if (const json::value* restore = field(report, "restore"); restore && restore->is_object()) {
    const json::object& x = restore->as_object();
    const json::value* point = field(x, "restored_point");
    out << "  restore: " << num(x, "restores") << " restores (" << num(x, "failed") << " failed) in "
        << dbl(x, "duration_ms") << " ms; restored point ";
    if (point && point->is_object()) {
      out << "position " << num(point->as_object(), "position") << " (" << str(point->as_object(), "key") << ")";
    } else {
      out << "none";
    }
    out << "; RPO against it " << (field(x, "rpo_ms") ? field(x, "rpo_ms")->to_number<double>() : 0) << " ms; backups "
        << (boolean(x, "backup_integrity") ? "intact" : "DAMAGED") << "\n";
  }
  for (const char* group : {"inconclusive", "aborted", "safety", "objectives"}) {
    if (const json::value* list = field(obj(report, "failures"), group); list && list->is_array()) {
      for (const auto& f : list->as_array()) out << "  ✗ " << group << ": " << std::string(f.as_string()) << "\n";
    }
  }
  return out.str();
}

}  // namespace firedrill

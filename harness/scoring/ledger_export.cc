// One ledger export's lines; see ledger_export.h.
#include "scoring/ledger_export.h"

#include <boost/json.hpp>

#include "core/json_read.h"
#include "core/limits.h"
#include "scoring/flat_json.h"

namespace json = boost::json;

namespace firedrill {
namespace {

struct Transfer {
  std::string_view key, from, to;
  int64_t amount = 0;
};

// A flat line whose contract fields each appear at most once, the string fields as strings and
// the amount as an integer; else false and the full parser reads it.
bool read_flat_transfer(std::string_view line, const ContractFields& c, Transfer& out) {
  bool seen_key = false, seen_from = false, seen_to = false, seen_amount = false;
  out = Transfer{};
  auto take = [](bool& seen, bool type_ok) {
    if (seen || !type_ok) return false;
    seen = true;
    return true;
  };
  return scan_flat_object(line, [&](std::string_view name, const FlatValue& v) {
    const bool is_string = v.type == FlatValue::string_value;
    if (name == c.key) {
      out.key = v.text;
      return take(seen_key, is_string);
    }
    if (name == c.from) {
      out.from = v.text;
      return take(seen_from, is_string);
    }
    if (name == c.to) {
      out.to = v.text;
      return take(seen_to, is_string);
    }
    if (name == c.amount) {
      out.amount = v.number;
      return take(seen_amount, v.type == FlatValue::integer_value);
    }
    return true;
  });
}

// One transfer into `out`: counted, summed per account, and checked against the request its key
// names (copies, first copy) or kept as never requested.
void add_transfer(TimelineIndex& t, const Transfer& transfer, Export& out) {
  ++out.transfers;
  const int64_t id = t.find(transfer.key, out.last_key + 1);
  out.last_key = id;
  const KeyState* requested = id >= 0 ? &t.keys[static_cast<std::size_t>(id)] : nullptr;
  // The accounts' ids: those of the request when the names are its own (the common case, without
  // a lookup), else looked up (equal strings have equal ids either way).
  auto account_id = [&](std::string_view name, uint32_t requested_id) {
    return requested && t.names.view(requested_id) == name ? requested_id : t.names.id(name);
  };
  const uint32_t from_id = account_id(transfer.from, requested ? requested->from : 0);
  const uint32_t to_id = account_id(transfer.to, requested ? requested->to : 0);
  out.add_to_sum(from_id, transfer.amount, true);
  out.add_to_sum(to_id, transfer.amount, false);
  if (!requested) {
    out.unexpected.add(transfer.key, transfer.amount);
    return;
  }
  const auto k = static_cast<uint32_t>(id);
  if (out.copies[k]++ > 0) return;
  if (from_id != requested->from || to_id != requested->to ||
      transfer.amount != requested->amount) {
    out.corrupted.emplace_back(k, transfer.amount);
  }
}

}  // namespace

void read_export_line(std::string_view line, const ContractFields& c, TimelineIndex& t,
                      Export& out) {
  if (Transfer flat; read_flat_transfer(line, c, flat)) {
    add_transfer(t, flat, out);
    return;
  }
  alignas(std::max_align_t) unsigned char buffer[kLineParseBufferBytes];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::error_code ec;
  json::value v = json::parse(line, ec, &arena);
  if (ec || !v.is_object()) {
    ++out.bad_lines;
    return;
  }
  const json::object& o = v.as_object();
  add_transfer(t,
               Transfer{json_read::view(o, c.key), json_read::view(o, c.from),
                        json_read::view(o, c.to), json_read::integer(o, c.amount)},
               out);
}

}  // namespace firedrill

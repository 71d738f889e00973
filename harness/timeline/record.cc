// Every kind of timeline record; see record.h.
#include "timeline/record.h"

#include <boost/json/serialize.hpp>
#include <cassert>
#include <utility>

namespace firedrill {
namespace {

namespace json = boost::json;

bool is_envelope_key(std::string_view key) {
  return key == "seq" || key == "t_ns" || key == "source" || key == "kind" || key == "prev";
}

// The first alternative of TimelineRecord whose (source, kind) matches, decoded from `fields`.
template <std::size_t... I>
TimelineRecord decode_known(std::string_view source, std::string_view kind, const json::object& fields,
                            std::index_sequence<I...>) {
  std::optional<TimelineRecord> out;
  auto try_one = [&]<class R>(std::type_identity<R>) {
    if (out || R::source != source || R::kind != kind) return;
    out.emplace(std::in_place_type<R>, record_codec::decode_fields<R>(fields));
  };
  (try_one(std::type_identity<std::variant_alternative_t<I, TimelineRecord>>{}), ...);
  if (out) return std::move(*out);
  UnknownRecord unknown{std::string(source), std::string(kind), {}};
  for (const auto& kv : fields) {
    if (!is_envelope_key(kv.key())) unknown.fields.emplace(kv.key(), kv.value());
  }
  return unknown;
}

// The record's (source, kind): its type's, or an UnknownRecord's own.
std::pair<std::string_view, std::string_view> identity_of(const TimelineRecord& record) {
  return std::visit(
      []<class R>(const R& r) -> std::pair<std::string_view, std::string_view> {
        if constexpr (KnownRecord<R>) return {R::source, R::kind};
        else return {r.source, r.kind};
      },
      record);
}

}  // namespace

std::string_view source_of(const TimelineRecord& record) { return identity_of(record).first; }

std::string_view kind_of(const TimelineRecord& record) { return identity_of(record).second; }

json::object encode_fields(const TimelineRecord& record) {
  return std::visit(
      []<class R>(const R& r) -> json::object {
        if constexpr (KnownRecord<R>) return record_codec::encode_fields(r);
        else return r.fields;
      },
      record);
}

TimelineRecord decode_record(std::string_view source, std::string_view kind, const json::object& fields) {
  constexpr std::size_t known = std::variant_size_v<TimelineRecord> - 1;  // all but UnknownRecord
  return decode_known(source, kind, fields, std::make_index_sequence<known>{});
}

std::string format_line(int64_t seq, int64_t t_ns, std::string_view source, std::string_view kind,
                        json::object fields, std::string_view prev) {
  json::object line;
  line.reserve(fields.size() + 5);
  line["seq"] = seq;
  line["t_ns"] = t_ns;
  line["source"] = source;
  line["kind"] = kind;
  for (auto& [key, value] : fields) {
    // The envelope's keys are the timeline's own; a field must never overwrite them.
    assert(!is_envelope_key(key));
    line[key] = std::move(value);
  }
  line["prev"] = prev;
  return json::serialize(line);
}

std::string encode_line(const RecordEnvelope& envelope, const TimelineRecord& record) {
  return format_line(envelope.seq.value_or(0), envelope.at(), source_of(record), kind_of(record),
                     encode_fields(record), envelope.prev);
}

}  // namespace firedrill

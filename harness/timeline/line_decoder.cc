// Decodes one line of timeline.jsonl; see line_decoder.h.
#include "timeline/line_decoder.h"

#include <boost/json/parse.hpp>
#include <cassert>

namespace firedrill {
namespace {

namespace json = boost::json;

RecordEnvelope envelope_of(const json::object& object) {
  auto find = [&](std::string_view name) { return object.if_contains(name); };
  RecordEnvelope e;
  record_codec::read_value(find("seq"), e.seq);
  record_codec::read_value(find("t_ns"), e.t_ns);
  record_codec::read_value(find("source"), e.source);
  record_codec::read_value(find("kind"), e.kind);
  record_codec::read_value(find("prev"), e.prev);
  return e;
}

}  // namespace

bool LineDecoder::decode(std::string_view line) {
  raw_ = nullptr;
  if (fast_.read(line, envelope_, record_)) return true;
  return decode_parsed(line);
}

bool LineDecoder::decode_parsed(std::string_view line) {
  parsed_.reset();
  memory_.emplace(buffer_.data(), buffer_.size());
  json::error_code ec;
  parsed_.emplace(json::parse(line, ec, json::storage_ptr(&*memory_)));
  if (ec || !parsed_->is_object()) return false;
  raw_ = &parsed_->get_object();
  envelope_ = envelope_of(*raw_);
  record_ = decode_record(envelope_.source, envelope_.kind, *raw_);
  return true;
}

KeptRecord keep(const LineDecoder& line) {
  const std::string_view source = source_of(line.record());
  assert(source != kWorkloadSource || std::holds_alternative<UnknownRecord>(line.record()));
  return KeptRecord{line.envelope().seq, line.envelope().t_ns, line.record(),
                    line.raw() ? json::object(*line.raw(), json::storage_ptr()) : json::object()};
}

}  // namespace firedrill

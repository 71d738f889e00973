// Decodes one line of timeline.jsonl; see line_decoder.h.
#include "timeline/line_decoder.h"

#include <boost/json/parse.hpp>
#include <tuple>

namespace firedrill {
namespace {

namespace json = boost::json;

using WorkloadRecords = std::tuple<WorkloadInvoke, WorkloadOk, WorkloadFail, WorkloadUnknown, WorkloadSkipped>;

// The envelope from either kind of object (json::object through if_contains, FlatObject through find).
template <class Object>
RecordEnvelope envelope_of(const Object& object) {
  auto find = [&](std::string_view name) {
    if constexpr (std::is_same_v<Object, json::object>) return object.if_contains(name);
    else return object.find(name);
  };
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
  if (decode_flat(line)) return true;
  return decode_parsed(line);
}

// A workload record of a known kind in the flat shape; false for anything else.
bool LineDecoder::decode_flat(std::string_view line) {
  if (!flat_.parse(line)) return false;
  envelope_ = envelope_of(flat_);
  if (envelope_.source != kWorkloadSource) return false;
  bool found = false;
  auto try_one = [&]<class R>(std::type_identity<R>) {
    if (found || envelope_.kind != R::kind) return;
    record_.emplace<R>(record_codec::decode_fields<R>(flat_));
    found = true;
  };
  std::apply([&](auto... types) { (try_one(std::type_identity<decltype(types)>{}), ...); }, WorkloadRecords{});
  return found;
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

}  // namespace firedrill

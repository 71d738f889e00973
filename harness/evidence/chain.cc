// The timeline's hash chain; see chain.h.
#include "evidence/chain.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/sha256.h"

namespace firedrill {
namespace {

// The two envelope fields the chain needs from one line, or nothing when the line is not a
// timeline record.
struct Link {
  std::string prev;
  int64_t seq = -1;
};

std::optional<Link> read_link(const std::string& line) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::object& o = v.as_object();
  const boost::json::value* prev = o.if_contains("prev");
  const boost::json::value* seq = o.if_contains("seq");
  if (!prev || !prev->is_string() || !seq || !seq->is_int64()) return std::nullopt;
  return Link{std::string(prev->as_string()), seq->as_int64()};
}

std::string where(const std::string& name, int64_t record) {
  return name + ": record " + std::to_string(record) + " (line " + std::to_string(record + 1) + ")";
}

// Why the link into record `i` is broken. A single altered record `k` breaks the link into k+1
// (its bytes changed) and, when its own "prev" was the edit, the link into k as well; so the
// next link (`next`, null for the last record) tells the two apart.
std::string broken_link(const std::string& name, int64_t i, const Link& link,
                        const std::string& line_hash, const std::string* next) {
  std::string message = where(name, i) + ": prev does not match the previous line";
  if (i == 0) return message + " (the first record's prev must be 64 zeros)";
  if (link.seq != i) {
    return message + "; its seq is " + std::to_string(link.seq) +
           ": records were removed, inserted or reordered before it";
  }
  const std::string previous = "record " + std::to_string(i - 1) + " (line " + std::to_string(i) + ")";
  if (!next) return message + "; " + previous + " or this last record was altered";
  std::optional<Link> after = read_link(*next);
  if (after && after->prev == line_hash) return message + "; " + previous + " was altered";
  return message + "; this record was altered";
}

}  // namespace

ChainWalk walk_chain(const std::string& timeline_path) {
  const std::string name = std::filesystem::path(timeline_path).filename().string();
  ChainWalk walk;
  walk.head = kChainGenesis;
  std::ifstream in(timeline_path, std::ios::binary);
  if (!in) {
    walk.head.clear();
    walk.status = Status::error(name + ": unreadable: " + std::strerror(errno));
    return walk;
  }
  // One line of look-ahead: a broken link is explained by the link after it.
  std::string line, next;
  bool has_next = static_cast<bool>(std::getline(in, next));
  for (int64_t i = 0; has_next; ++i) {
    line = std::move(next);
    has_next = static_cast<bool>(std::getline(in, next));
    std::string line_hash = sha256_hex(line);
    walk.records = i + 1;
    // After the first break only the head is still wanted.
    if (walk.status) {
      std::optional<Link> link = read_link(line);
      if (!link) {
        walk.status = Status::error(where(name, i) + ": unreadable (not a JSON object with \"seq\" and \"prev\")");
      } else if (link->prev != walk.head) {
        walk.status = Status::error(broken_link(name, i, *link, line_hash, has_next ? &next : nullptr));
      } else if (link->seq != i) {
        walk.status = Status::error(where(name, i) + ": seq is " + std::to_string(link->seq) +
                                    ", expected " + std::to_string(i) + ": this record was altered");
      }
    }
    walk.head = std::move(line_hash);
  }
  if (in.bad()) walk.status = Status::error(name + ": unreadable: " + std::strerror(errno));
  return walk;
}

Status check_chain(const std::string& timeline_path) { return walk_chain(timeline_path).status; }

std::string chain_head(const std::string& timeline_path) { return walk_chain(timeline_path).head; }

}  // namespace firedrill

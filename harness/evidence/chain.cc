// The timeline's hash chain; see chain.h.
#include "evidence/chain.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/limits.h"
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

namespace {

// Where the line ending at `end` (exclusive) starts: just after the last newline before `end`,
// found by reading backwards a block at a time; nothing when the file cannot be read.
std::optional<std::streamoff> line_start(std::ifstream& in, std::streamoff end) {
  std::string block(kChainTailBlockBytes, '\0');
  for (std::streamoff block_end = end; block_end > 0;) {
    const std::streamoff length = std::min<std::streamoff>(block_end, static_cast<std::streamoff>(block.size()));
    const std::streamoff block_start = block_end - length;
    if (!in.seekg(block_start) || !in.read(block.data(), length)) return std::nullopt;
    if (const void* newline = memrchr(block.data(), '\n', static_cast<std::size_t>(length))) {
      return block_start + (static_cast<const char*>(newline) - block.data()) + 1;
    }
    block_end = block_start;
  }
  return 0;
}

// Hex SHA-256 of the bytes [start, end) of `in`; nothing when they cannot be read.
std::optional<std::string> sha256_of_range(std::ifstream& in, std::streamoff start, std::streamoff end) {
  if (!in.seekg(start)) return std::nullopt;
  std::string block(kChainTailBlockBytes, '\0');
  Sha256 hash;
  for (std::streamoff left = end - start; left > 0;) {
    const std::streamoff length = std::min<std::streamoff>(left, static_cast<std::streamoff>(block.size()));
    if (!in.read(block.data(), length)) return std::nullopt;
    hash.update(std::string_view(block.data(), static_cast<std::size_t>(length)));
    left -= length;
  }
  return hash.hex_digest();
}

// The chain head of a regular file from its tail: the last line as std::getline splits the file
// (a final newline ends it; bytes after the last newline are a line too). Nothing when the file
// cannot be read that way.
std::optional<std::string> head_from_tail(const std::string& timeline_path) {
  std::ifstream in(timeline_path, std::ios::binary);
  if (!in || !in.seekg(0, std::ios::end)) return std::nullopt;
  std::streamoff end = in.tellg();
  if (end < 0) return std::nullopt;
  if (end == 0) return kChainGenesis;
  char last = '\0';
  if (!in.seekg(end - 1) || !in.get(last)) return std::nullopt;
  if (last == '\n') --end;
  std::optional<std::streamoff> start = line_start(in, end);
  if (!start) return std::nullopt;
  return sha256_of_range(in, *start, end);
}

}  // namespace

std::string chain_head(const std::string& timeline_path) {
  // Only a regular file has a tail to seek to; anything else (or a read error) is walked.
  std::error_code ec;
  if (std::filesystem::is_regular_file(timeline_path, ec)) {
    if (std::optional<std::string> head = head_from_tail(timeline_path)) return *head;
  }
  return walk_chain(timeline_path).head;
}

}  // namespace firedrill

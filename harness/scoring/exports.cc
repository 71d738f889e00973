// Every node's export, each distinct text once; see exports.h.
#include "scoring/exports.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "scoring/line_buffer.h"

namespace firedrill {
namespace {

using Node = std::pair<const std::string*, const ExportSource*>;
using Candidates = std::vector<std::pair<std::size_t, std::unique_ptr<ExportReader>>>;

// The nodes after `first` not yet grouped whose texts may equal `reader`'s (same size, or a size
// not known before reading), each with a reader at its start.
Candidates candidates_for(const std::vector<Node>& nodes, std::size_t first,
                          const ExportReader& reader, const std::vector<Export*>& group) {
  Candidates same;
  for (std::size_t i = first + 1; i < nodes.size() && reader.error().empty(); ++i) {
    if (group[i]) continue;
    auto candidate = std::make_unique<ExportReader>(*nodes[i].second);
    const bool sizes_differ =
        candidate->size() >= 0 && reader.size() >= 0 && candidate->size() != reader.size();
    if (candidate->error().empty() && !sizes_differ) same.emplace_back(i, std::move(candidate));
  }
  return same;
}

// Drops the candidates whose next bytes differ from `block` (at the end, those not at their end).
void keep_identical(Candidates& same, std::string_view block, bool at_end,
                    std::vector<char>& other) {
  std::erase_if(same, [&](const auto& s) {
    const std::size_t want = at_end ? 1 : block.size();
    const std::size_t got = s.second->read(other.data(), want);
    if (!s.second->error().empty()) return true;
    return at_end ? got != 0 : got != want || std::memcmp(other.data(), block.data(), got) != 0;
  });
}

// Reads the text of nodes[first] into `e`, and returns the nodes found identical to it.
Candidates read_group(const std::vector<Node>& nodes, std::size_t first,
                      const std::vector<Export*>& group, const ContractFields& c, TimelineIndex& t,
                      Export& e, std::vector<std::string>& errors) {
  ExportReader reader(*nodes[first].second);
  Candidates same = candidates_for(nodes, first, reader, group);
  std::vector<char> other(kLineReadBlockBytes);
  LineBuffer lines;
  for (bool at_end = false; !at_end;) {
    const std::string_view block = lines.fill(reader);
    at_end = block.empty();
    keep_identical(same, block, at_end, other);
    for (std::string_view line; lines.next(line, at_end);) {
      if (!line.empty()) read_export_line(line, c, t, e);
    }
  }
  if (!reader.error().empty()) errors.push_back(reader.error());
  return same;
}

}  // namespace

ExportsRead read_exports(const RunData& data, const ContractFields& c, TimelineIndex& t) {
  ExportsRead read;
  std::vector<Node> nodes;
  for (const auto& [node, source] : data.exports) nodes.emplace_back(&node, &source);
  std::vector<Export*> group(nodes.size(), nullptr);
  for (std::size_t first = 0; first < nodes.size(); ++first) {
    if (group[first]) continue;
    Export& e = read.parsed.emplace_back();
    group[first] = &e;
    e.copies.assign(t.keys.size(), 0);
    for (const auto& s : read_group(nodes, first, group, c, t, e, read.errors)) group[s.first] = &e;
    std::sort(e.corrupted.begin(), e.corrupted.end());
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) read.by_node[*nodes[i].first] = group[i];
  return read;
}

}  // namespace firedrill

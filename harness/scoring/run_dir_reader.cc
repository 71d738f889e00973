// Reading a run directory; see run_dir_reader.h.
#include "scoring/run_dir_reader.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scoring/timeline_lines.h"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace firedrill {
namespace {

bool read_text(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

void read_run_json(const fs::path& dir, RunData& data) {
  std::string text;
  if (!read_text(dir / "run.json", text)) {
    data.read_errors.push_back("run.json: missing");
    return;
  }
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (!ec && v.is_object())
    data.run = v.as_object();
  else
    data.read_errors.push_back("run.json: not JSON");
}

bool ends_with(const std::string& name, std::string_view suffix) {
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void read_exports_dir(const fs::path& exports, RunData& data) {
  if (!fs::is_directory(exports)) return;
  constexpr std::string_view kExport = ".ndjson", kBalances = ".balances.json";
  std::string text;
  for (const auto& entry : fs::directory_iterator(exports)) {
    const std::string name = entry.path().filename().string();
    if (ends_with(name, kExport)) {
      // A regular file is named and read by score() (the exports of a big drill are hundreds
      // of MB each); anything else that opens is read as it was before, into memory.
      if (!std::ifstream(entry.path(), std::ios::binary)) continue;
      const std::string node = name.substr(0, name.size() - kExport.size());
      std::error_code ec;
      if (entry.is_regular_file(ec)) {
        data.exports[node] = ExportSource::file(entry.path().string());
      } else if (read_text(entry.path(), text)) {
        data.exports[node] = text;
      }
    } else if (ends_with(name, kBalances)) {
      if (read_text(entry.path(), text))
        data.balances[name.substr(0, name.size() - kBalances.size())] = text;
    }
  }
}

}  // namespace

Result<RunData> read_run_dir(const std::string& dir) {
  RunData data;
  if (!fs::is_directory(dir)) return Status::error("score " + dir + ": not a run directory");
  read_run_json(dir, data);
  if (!read_timeline_file((fs::path(dir) / "timeline.jsonl").string(), data)) {
    // `run` writes scenario.toml before the lab is built and the timeline opened: a directory
    // with one and no timeline is a run interrupted before its first record, and scores (as
    // inconclusive) like any other interrupted run.
    if (!fs::exists(fs::path(dir) / "scenario.toml"))
      return Status::error("score " + dir + ": no timeline.jsonl");
    data.read_errors.push_back("timeline.jsonl: missing: the run ended before its first record");
    return data;
  }
  read_exports_dir(fs::path(dir) / "exports", data);
  return data;
}

}  // namespace firedrill

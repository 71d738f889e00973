// The evidence manifest; see manifest.h.
#include "evidence/manifest.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <map>

#include "evidence/chain.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace firedrill {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Whether a path relative to the run directory is outside the manifest (see manifest.h).
bool excluded(const std::string& relative) {
  return relative == kReportFile || ends_with(relative, ".dsse.json") || relative == kVolumesDir ||
         relative.rfind(std::string(kVolumesDir) + "/", 0) == 0;
}

std::string short_hash(const std::string& hex) { return hex.substr(0, 16); }

// An artifact as listed, before it is hashed: `file` is its path as opened.
struct ListedFile {
  Artifact artifact;
  std::string file;
};

// The artifacts of `run_dir` (see manifest.h), unsorted and without digests.
std::vector<ListedFile> list_files(const std::string& run_dir) {
  std::vector<ListedFile> out;
  std::error_code ec;
  const fs::path root(run_dir);
  // Directory symlinks are not followed (the default), so nothing outside run_dir is listed.
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string relative = it->path().lexically_relative(root).generic_string();
    if (excluded(relative)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    ListedFile listed;
    listed.artifact.path = relative;
    listed.artifact.bytes = static_cast<int64_t>(it->file_size(ec));
    listed.file = it->path().string();
    out.push_back(std::move(listed));
  }
  return out;
}

}  // namespace

std::vector<std::string> artifact_files(const std::string& run_dir, const std::vector<std::string>& except) {
  std::vector<std::string> files;
  for (ListedFile& listed : list_files(run_dir)) {
    if (std::find(except.begin(), except.end(), listed.artifact.path) == except.end()) {
      files.push_back(std::move(listed.file));
    }
  }
  return files;
}

std::vector<Artifact> list_artifacts(const std::string& run_dir, FileHashing* early) {
  std::vector<ListedFile> listed = list_files(run_dir);
  // A digest hashed early counts if it still holds (the file unchanged since).
  std::map<std::string, const HashedFile*> hashed_early;
  if (early) {
    for (const HashedFile& file : early->wait()) hashed_early.emplace(file.path, &file);
  }
  std::vector<std::string> to_hash;
  std::vector<Artifact*> hashed_now;
  for (ListedFile& l : listed) {
    auto found = hashed_early.find(l.file);
    if (found != hashed_early.end() && still_holds(*found->second)) {
      l.artifact.sha256 = found->second->sha256;
    } else {
      to_hash.push_back(l.file);
      hashed_now.push_back(&l.artifact);
    }
  }
  std::vector<std::string> digests = sha256_files(to_hash);
  for (std::size_t i = 0; i < digests.size(); ++i) hashed_now[i]->sha256 = std::move(digests[i]);
  std::vector<Artifact> out;
  out.reserve(listed.size());
  for (ListedFile& l : listed) out.push_back(std::move(l.artifact));
  std::sort(out.begin(), out.end(), [](const Artifact& a, const Artifact& b) { return a.path < b.path; });
  return out;
}

json::object make_manifest(const std::string& run_dir, FileHashing* early) {
  json::array artifacts;
  for (const Artifact& a : list_artifacts(run_dir, early)) {
    artifacts.push_back(json::object{{"path", a.path}, {"bytes", a.bytes}, {"sha256", a.sha256}});
  }
  return json::object{{"algorithm", "sha256"},
                      {"artifacts", std::move(artifacts)},
                      {"timeline_chain_head", chain_head((fs::path(run_dir) / kTimelineFile).string())}};
}

std::vector<std::string> manifest_problems(const std::string& run_dir, const json::object& manifest) {
  std::vector<std::string> problems;
  const json::value* algorithm = manifest.if_contains("algorithm");
  if (!algorithm || !algorithm->is_string() || algorithm->as_string() != "sha256") {
    problems.push_back("evidence: algorithm is not \"sha256\"");
  }
  const json::value* list = manifest.if_contains("artifacts");
  if (!list || !list->is_array()) {
    problems.push_back("evidence: no artifacts list");
    return problems;
  }
  std::map<std::string, Artifact> now;
  for (Artifact& a : list_artifacts(run_dir)) now.emplace(a.path, std::move(a));
  std::map<std::string, bool> listed;
  for (const json::value& v : list->as_array()) {
    const json::object* entry = v.if_object();
    const json::value* path = entry ? entry->if_contains("path") : nullptr;
    const json::value* digest = entry ? entry->if_contains("sha256") : nullptr;
    if (!path || !path->is_string() || !digest || !digest->is_string()) {
      problems.push_back("evidence: malformed artifact entry " + json::serialize(v));
      continue;
    }
    const std::string name(path->as_string());
    listed[name] = true;
    auto found = now.find(name);
    if (found == now.end()) {
      problems.push_back(name + ": missing (listed in the manifest)");
    } else if (found->second.sha256.empty()) {
      problems.push_back(name + ": unreadable");
    } else if (found->second.sha256 != digest->as_string()) {
      problems.push_back(name + ": altered (sha256 " + short_hash(found->second.sha256) + "…, manifest " +
                         short_hash(std::string(digest->as_string())) + "…)");
    }
  }
  for (const auto& [name, artifact] : now) {
    if (!listed.count(name)) problems.push_back(name + ": extra (not in the manifest)");
  }
  return problems;
}

Status check_manifest(const std::string& run_dir, const json::object& manifest) {
  std::vector<std::string> problems = manifest_problems(run_dir, manifest);
  if (problems.empty()) return Status::ok();
  std::string message = "evidence manifest: " + std::to_string(problems.size()) + " problem" +
                        (problems.size() == 1 ? "" : "s");
  for (const auto& p : problems) message += "\n  " + p;
  return Status::error(message);
}

}  // namespace firedrill

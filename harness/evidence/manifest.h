// The evidence manifest (DESIGN.md §6): the size and SHA-256 of every artifact of a run directory
// and the timeline's chain head, embedded into report.json under "evidence" so that the report
// (and its signature) vouch for every file beside it:
//
//   {"algorithm": "sha256",
//    "artifacts": [{"path": "exports/ledger-1.ndjson", "bytes": 324327, "sha256": "…"}, …],
//    "timeline_chain_head": "…"}
//
// Artifacts are every regular file under the run directory, recursively, sorted by path
// ('/'-separated, relative), except report.json itself (it carries the manifest), signatures
// (*.dsse.json, written after it) and volumes/ (the nodes' mount points). Symbolic links are
// neither followed nor listed. Used by `run`/`score` (make) and `verify` (check).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "evidence/file_digests.h"

namespace firedrill {

// The file that carries the manifest, and the folder that is never an artifact.
inline constexpr const char* kReportFile = "report.json";
inline constexpr const char* kVolumesDir = "volumes";
inline constexpr const char* kTimelineFile = "timeline.jsonl";

// One artifact: its path relative to the run directory, size and hex SHA-256.
struct Artifact {
  std::string path;
  int64_t bytes = 0;
  std::string sha256;
};

// The artifacts of `run_dir` as the manifest lists them (see above), sorted by path. An
// unreadable file is listed with an empty digest. `early`, when given, holds digests hashed
// before (see file_digests.h): each whose file is unchanged since is used as it is.
std::vector<Artifact> list_artifacts(const std::string& run_dir, FileHashing* early = nullptr);

// The files the manifest of `run_dir` would list now, as paths to open, but those named in
// `except` (relative paths): what to hash early, leaving out the files about to be rewritten.
std::vector<std::string> artifact_files(const std::string& run_dir, const std::vector<std::string>& except);

// The manifest of `run_dir`, for report.json's "evidence" key; `early` as for list_artifacts.
boost::json::object make_manifest(const std::string& run_dir, FileHashing* early = nullptr);

// Every difference between `manifest` and the files now in `run_dir`, one line each:
// "exports/ledger-1.ndjson: altered (sha256 … , manifest …)", "logs/x.err: missing",
// "notes.txt: extra (not in the manifest)", "evidence: no artifacts list". The chain head is
// not compared here (see verify_run).
std::vector<std::string> manifest_problems(const std::string& run_dir, const boost::json::object& manifest);

// Ok when the files match `manifest`; else an error listing every altered, missing or extra file.
Status check_manifest(const std::string& run_dir, const boost::json::object& manifest);

}  // namespace firedrill

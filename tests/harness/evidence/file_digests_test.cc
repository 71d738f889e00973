// File digests (evidence/file_digests.h) and the manifest with digests hashed early: the same
// manifest as hashing at the end, and a file changed since (or changed just before it was
// stamped) is hashed again.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "core/limits.h"
#include "core/sha256.h"
#include "evidence/file_digests.h"
#include "evidence/manifest.h"
#include "harness/evidence/temp_files.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

// Makes `path` look written long ago, so that a digest hashed early is not racy.
void age(const fs::path& path) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(1));
}

TEST(FileDigests, OfFilesLargerThanABlockSmallAndEmpty) {
  TempDir dir;
  const std::string big(kFileHashBlockBytes * 2 + 5, 'z');
  write_all(dir.path() / "big", big);
  write_all(dir.path() / "small", "small");
  write_all(dir.path() / "empty", "");
  EXPECT_EQ(*sha256_file((dir.path() / "big").string()), sha256_hex(big));
  EXPECT_EQ(*sha256_file((dir.path() / "empty").string()), sha256_hex(""));
  EXPECT_FALSE(sha256_file((dir.path() / "absent").string()));
  // In the order given, whatever order the threads took them in (the largest first).
  std::vector<std::string> digests = sha256_files({(dir.path() / "small").string(), (dir.path() / "absent").string(),
                                                   (dir.path() / "big").string(), (dir.path() / "empty").string()});
  EXPECT_EQ(digests, (std::vector<std::string>{sha256_hex("small"), "", sha256_hex(big), sha256_hex("")}));
}

TEST(FileDigests, SameAsSodiumsKnownAnswer) {
  // FIPS 180-2's "abc".
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 pieces;
  pieces.update("a");
  pieces.update("bc");
  EXPECT_EQ(pieces.hex_digest(), sha256_hex("abc"));
  EXPECT_EQ(pieces.hex_digest(), sha256_hex(""));  // starts over
}

class EarlyDigestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_all(run_ / "timeline.jsonl", "{\"seq\":0}\n");
    write_all(run_ / "exports/ledger-1.ndjson", std::string(kFileHashBlockBytes + 3, 'e'));
    write_all(run_ / "logs/n1.out", "started\n");
    write_all(run_ / "report.md", "# old report\n");
    for (const char* name : {"timeline.jsonl", "exports/ledger-1.ndjson", "logs/n1.out", "report.md"}) age(run_ / name);
  }
  std::string manifest(FileHashing* early) { return boost::json::serialize(make_manifest(run_.string(), early)); }

  TempDir dir_;
  fs::path run_ = dir_.path();
};

TEST_F(EarlyDigestsTest, SameManifestAsHashingAtTheEnd) {
  FileHashing early(artifact_files(run_.string(), {"report.md"}));
  EXPECT_EQ(early.wait().size(), 3u);
  for (const HashedFile& file : early.wait()) EXPECT_TRUE(still_holds(file)) << file.path;
  write_all(run_ / "report.md", "# new report\n");
  EXPECT_EQ(manifest(&early), manifest(nullptr));
}

TEST_F(EarlyDigestsTest, AFileChangedSinceIsHashedAgain) {
  FileHashing early(artifact_files(run_.string(), {}));
  early.wait();
  write_all(run_ / "logs/n1.out", "STARTED\n");  // same size
  EXPECT_EQ(manifest(&early), manifest(nullptr));
  EXPECT_NE(manifest(&early).find(sha256_hex("STARTED\n")), std::string::npos);
}

TEST_F(EarlyDigestsTest, AFileChangedJustBeforeItWasStampedIsRacy) {
  write_all(run_ / "logs/n1.out", "fresh\n");
  FileHashing early(artifact_files(run_.string(), {}));
  for (const HashedFile& file : early.wait()) {
    EXPECT_EQ(file.racy, file.path.ends_with("n1.out")) << file.path;
    EXPECT_EQ(still_holds(file), !file.racy) << file.path;
  }
}

TEST_F(EarlyDigestsTest, NotWaitedForStopsEarly) {
  // The caller failed before the manifest: destruction must neither hang nor crash.
  FileHashing early(artifact_files(run_.string(), {}));
}

}  // namespace
}  // namespace firedrill

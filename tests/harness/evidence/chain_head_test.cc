// chain_head() reads only the timeline's tail; every answer must be walk_chain's head: the last
// line as std::getline splits the file. The edge cases: empty, newline-only, final newline or
// not, an empty last line, a last line longer than the block read backwards (and one ending
// exactly at a block's edge), no newline at all, unreadable and not a regular file.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "core/limits.h"
#include "core/sha256.h"
#include "evidence/chain.h"
#include "harness/evidence/temp_files.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

class ChainHeadTest : public ::testing::Test {
 protected:
  // chain_head of a file holding `bytes`, checked against walk_chain's head.
  std::string head_of(const std::string& bytes) {
    const fs::path path = dir_.path() / "timeline.jsonl";
    write_all(path, bytes);
    const std::string head = chain_head(path.string());
    EXPECT_EQ(head, walk_chain(path.string()).head) << "file of " << bytes.size() << " bytes";
    return head;
  }

  TempDir dir_;
};

TEST_F(ChainHeadTest, EmptyFileIsGenesis) { EXPECT_EQ(head_of(""), kChainGenesis); }

TEST_F(ChainHeadTest, FinalNewlineEndsTheLastLine) {
  EXPECT_EQ(head_of("{\"a\":1}\n{\"b\":2}\n"), sha256_hex("{\"b\":2}"));
  EXPECT_EQ(head_of("only\n"), sha256_hex("only"));
}

TEST_F(ChainHeadTest, PartialLastLineCounts) {
  EXPECT_EQ(head_of("{\"a\":1}\n{\"b\":2"), sha256_hex("{\"b\":2"));
  EXPECT_EQ(head_of("no newline at all"), sha256_hex("no newline at all"));
}

TEST_F(ChainHeadTest, EmptyLinesAreLines) {
  EXPECT_EQ(head_of("\n"), sha256_hex(""));
  EXPECT_EQ(head_of("\n\n"), sha256_hex(""));
  EXPECT_EQ(head_of("a\n\n"), sha256_hex(""));
  EXPECT_EQ(head_of("a\r\n"), sha256_hex("a\r"));
}

TEST_F(ChainHeadTest, LastLineLongerThanTheTailBlock) {
  const std::size_t block = kChainTailBlockBytes;
  for (std::size_t length : {block - 1, block, block + 1, 2 * block, 3 * block + 17}) {
    const std::string line(length, 'x');
    EXPECT_EQ(head_of("first\n" + line + "\n"), sha256_hex(line)) << length;
    EXPECT_EQ(head_of("first\n" + line), sha256_hex(line)) << length;
    EXPECT_EQ(head_of(line), sha256_hex(line)) << length;
    EXPECT_EQ(head_of(line + "\n"), sha256_hex(line)) << length;
  }
}

TEST_F(ChainHeadTest, RandomFilesAroundBlockEdges) {
  std::mt19937 random(14);
  for (int i = 0; i < 200; ++i) {
    const std::size_t size = kChainTailBlockBytes - 8 + random() % 24 + (i % 3) * kChainTailBlockBytes;
    std::string bytes(size, 'y');
    for (int newlines = static_cast<int>(random() % 4); newlines > 0; --newlines) bytes[random() % size] = '\n';
    if (random() % 2) bytes.back() = '\n';
    head_of(bytes);
  }
}

TEST_F(ChainHeadTest, UnreadableIsEmptyAndADirectoryIsAsWalked) {
  EXPECT_EQ(chain_head((dir_.path() / "absent.jsonl").string()), "");
  EXPECT_EQ(chain_head(dir_.path().string()), walk_chain(dir_.path().string()).head);
}

}  // namespace
}  // namespace firedrill

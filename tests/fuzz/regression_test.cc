// Replays every input that once made a fuzz target fail (regressions/<target>/, see README.md),
// and the hand-written seeds (seeds/<target>/), through the targets of targets.h, in the normal
// build: no clang needed, so they run with every `./setup.sh test`. A target that fails aborts
// the binary after naming the file on stderr.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "targets.h"

namespace fs = std::filesystem;

namespace firedrill::fuzz {
namespace {

struct Target {
  const char* name;
  void (*run)(std::string_view);
};

const Target kTargets[] = {{"scenario_loader", scenario_loader},
                           {"system_definition_loader", system_definition_loader},
                           {"alert_webhook", alert_webhook},
                           {"ledger_export", ledger_export}};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The inputs of regressions/<target>/ and seeds/<target>/, in a stable order; dotfiles and
// README.md are not inputs.
std::vector<fs::path> inputs_of(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"regressions", "seeds"}) {
    const fs::path dir = fs::path(FIREDRILL_FUZZ_DIR) / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && name[0] != '.' && name != "README.md") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class Replay : public ::testing::TestWithParam<Target> {};

TEST_P(Replay, EveryRecordedInputPasses) {
  const Target& target = GetParam();
  for (const fs::path& file : inputs_of(target.name)) {
    std::cerr << "replay " << target.name << " " << file.string() << "\n";
    target.run(read_file(file));
  }
}

INSTANTIATE_TEST_SUITE_P(FuzzTargets, Replay, ::testing::ValuesIn(kTargets),
                         [](const ::testing::TestParamInfo<Target>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace firedrill::fuzz

// scratch_file(); see targets.h. One directory per process (fuzzers may run in parallel), left
// behind on a crash so that the failing file can be looked at; removed at a normal exit.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "targets.h"

namespace fs = std::filesystem;

namespace firedrill::fuzz {
namespace {

struct ScratchDir {
  ScratchDir() : path(fs::temp_directory_path() / ("firedrill-fuzz-" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
    fs::create_directory_symlink(fs::path(FIREDRILL_SOURCE_DIR) / "sample-system", path / "sample-system");
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

}  // namespace

std::string scratch_file(const std::string& name, std::string_view input) {
  static const ScratchDir dir;
  const fs::path file = dir.path / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(input.data(), static_cast<std::streamsize>(input.size()));
  out.close();
  FUZZ_CHECK(out.good(), "cannot write " + file.string());
  return file.string();
}

}  // namespace firedrill::fuzz

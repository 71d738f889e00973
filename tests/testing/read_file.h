// The whole of a file as bytes, for tests and benches that compare what the harness wrote.
// A missing file reads as "" so that the assertion on its content, not a throw, says what is wrong.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace firedrill::testing {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace firedrill::testing

// The libFuzzer entry point of one target: FIREDRILL_FUZZ_TARGET names a function of targets.h
// (set per executable in CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  firedrill::fuzz::FIREDRILL_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

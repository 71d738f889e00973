// refpay uses the harness's Status and Result<T> (harness/core/status.h): errors that cross a
// boundary are values with context ("what failed : which object : why").
#pragma once

#include "core/status.h"

namespace refpay {
using firedrill::Status;
template <typename T>
using Result = firedrill::Result<T>;
}  // namespace refpay

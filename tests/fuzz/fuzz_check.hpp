#pragma once
// What the fuzz targets share: the input seen as text, and a check that turns a broken invariant into a
// crash, so libFuzzer records the input that broke it just as it does for a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// A macro only to print the failed condition's text.
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : ::callbackd::fuzz::fail(#cond, __FILE__, __LINE__))

namespace callbackd::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

// A view of libFuzzer's buffer itself (not a copy): a read one byte past the end is an ASan report.
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace callbackd::fuzz

#pragma once
// Sofia calls us from C. An exception must never unwind through its frames (that would abort the process), so
// every entry point from Sofia runs the C++ code through guarded(): a failure (a full disk under the store, a
// bug) is logged with where it happened and the loop goes on serving the other calls.
#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace callbackd::sip {

template <typename Fn>
void guarded(const char* where, Fn&& fn) noexcept {
  try {
    std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", where, e.what());
  } catch (...) {
    spdlog::error("{}: unknown exception", where);
  }
}

}  // namespace callbackd::sip

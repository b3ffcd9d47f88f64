#pragma once
// What an asynchronous store call gave: its value, or why there is none. Shared by the store worker and the
// call core's store port, so neither needs the other's header.
#include <optional>
#include <string>

namespace callbackd::store {

enum class StoreFailure {
  None,
  Unavailable,  // StoreError (locked, disk full, I/O), an unexpected exception, or the worker has stopped
  Duplicate,    // DuplicateError
};

// R = std::monostate for calls returning void.
template <typename R>
struct StoreOutcome {
  std::optional<R> value;
  StoreFailure failure = StoreFailure::None;
  std::string error;  // the exception's message when failure != None
  bool ok() const { return failure == StoreFailure::None; }
};

}  // namespace callbackd::store

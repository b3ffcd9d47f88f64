#pragma once
// Query-parameter parsing shared by the web-management handlers.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include "web/web_handlers.hpp"

namespace callbackd::web {

// The integer parameter `name` within [min, max]; `fallback` when absent; nullopt when malformed.
inline std::optional<std::int64_t> int_param(const Query& q, const char* name, std::int64_t fallback,
                                             std::int64_t min, std::int64_t max) {
  const auto it = q.find(name);
  if (it == q.end() || it->second.empty()) return fallback;
  std::int64_t n = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || n < min || n > max) return std::nullopt;
  return n;
}

inline std::string str_param(const Query& q, const char* name) {
  const auto it = q.find(name);
  return it == q.end() ? std::string() : it->second;
}

}  // namespace callbackd::web

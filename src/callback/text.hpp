#pragma once
// ASCII character classes and case folding, the one copy for every parser in the project. Deliberately not
// <cctype>: those depend on the C locale and take int, so a negative char is undefined behaviour.
#include <algorithm>
#include <string>
#include <string_view>

namespace callbackd::callback::text {

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_alnum(char c) {
  return is_digit(c) || is_alpha(c);
}
constexpr bool is_hex(char c) {
  return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
constexpr char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

inline bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// How much log_escape() changes. Value: a field that came from the network (SIP, RTP, HTTP), written between
// quotes in a log line: control bytes, '"', '\\' and non-ASCII bytes become \xHH and it is cut to
// kMaxLogValue bytes, so it can neither end the quotes nor the line. Line: a whole log message (the logger
// applies it to every line as a last defence): only control bytes become \xHH, so no value that escaped a
// call site unquoted can start a forged line.
enum class LogEscape { Value, Line };
constexpr std::size_t kMaxLogValue = 128;

// The one escaping function for untrusted text in logs (see LogEscape).
inline std::string log_escape(std::string_view s, LogEscape mode = LogEscape::Value) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool value = mode == LogEscape::Value;
  const std::size_t n = value ? std::min(s.size(), kMaxLogValue) : s.size();
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool control = c < 0x20 || c == 0x7f;
    if (control || (value && (c >= 0x80 || c == '"' || c == '\\'))) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "...";
  return out;
}

// True when log_escape(s, LogEscape::Line) would change s (the logger's fast path skips the copy).
inline bool needs_line_escape(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

}  // namespace callbackd::callback::text

#include "web/validation.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "callback/caller_match.hpp"
#include "callback/destination.hpp"
#include "callback/text.hpp"

namespace callbackd::web {
namespace {

constexpr std::size_t kMaxPstnPattern = 32;
constexpr std::size_t kMaxSipLength = 256;
// A SIP password is stored in a phone and never typed, so it can be long; 16 characters of 6 or more kinds
// put REGISTER guessing (throttled and locked anyway: registrar/digest_guard.hpp) out of reach.
constexpr std::size_t kMinSipPassword = 16;
constexpr std::size_t kMaxSipPassword = 128;
constexpr std::size_t kMinDistinct = 6;
// A PIN is keyed at the attendant, where 5 failures lock the caller and the extension out: 6 digits at least.
constexpr std::size_t kMinPin = 6;
constexpr std::size_t kMaxPin = 12;

using callback::text::is_alpha;
using callback::text::is_digit;

bool is_wildcard(char c) {
  return c == '*' || c == '?';
}

// Characters of a SIP URI user part (RFC 3261 unreserved, escaped and user-unreserved).
bool is_user_char(char c) {
  return is_digit(c) || is_alpha(c) || std::string_view("-_.!~'()%&=+$,;/").find(c) != std::string_view::npos;
}
// Host name, IPv4 address, or bracketed IPv6 address, optionally with ":port".
bool is_host_char(char c) {
  return is_digit(c) || is_alpha(c) || std::string_view(".-:[]").find(c) != std::string_view::npos;
}

std::string_view without_scheme(std::string_view s) {
  for (std::string_view scheme : {"sip:", "sips:"}) {
    if (callback::text::istarts_with(s, scheme)) return s.substr(scheme.size());
  }
  return s;
}

bool all_of(std::string_view s, bool (*pred)(char), bool allow_wildcards) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [&](char c) { return pred(c) || (allow_wildcards && is_wildcard(c)); });
}

bool is_user_host(std::string_view s, bool allow_wildcards, bool user_required) {
  const auto at = s.find('@');
  if (at == std::string_view::npos) return !user_required && all_of(s, is_host_char, allow_wildcards);
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  return all_of(s.substr(0, at), is_user_char, allow_wildcards) &&
         all_of(s.substr(at + 1), is_host_char, allow_wildcards);
}

bool is_run(std::string_view s, int step) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] - s[i - 1] != step) return false;
  }
  return true;
}

}  // namespace

bool is_valid_pstn_pattern(std::string_view pattern) {
  return callback::normalize_number(pattern).size() <= kMaxPstnPattern && callback::is_pstn_pattern(pattern);
}

bool is_valid_sip_pattern(std::string_view pattern) {
  return pattern.size() <= kMaxSipLength && is_user_host(without_scheme(pattern), true, true);
}

std::optional<std::string> unmatchable_caller_address(std::string_view address) {
  if (is_valid_pstn_pattern(address) || !is_valid_sip_pattern(address)) return std::nullopt;
  const auto why = callback::unmatchable_sip_address_reason(address);
  if (!why) return std::nullopt;
  return "caller_address \"" + std::string(address) + "\" would never match a caller: " + *why;
}

bool is_valid_extension_number(std::string_view number) {
  return callback::is_extension_number(number);
}

std::optional<std::string> password_problem(std::string_view password) {
  if (password.size() < kMinSipPassword || password.size() > kMaxSipPassword) {
    return "password must be 16 to 128 characters: a phone stores it, nobody types it (the keypad login uses "
           "the pin)";
  }
  if (std::any_of(password.begin(), password.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return "password must not contain control characters";
  }
  if (std::set<char>(password.begin(), password.end()).size() < kMinDistinct) {
    return "password must use at least 6 different characters";
  }
  return std::nullopt;
}

std::optional<std::string> pin_problem(std::string_view pin, std::string_view number) {
  if (pin.size() < kMinPin || pin.size() > kMaxPin || !std::all_of(pin.begin(), pin.end(), is_digit)) {
    return "pin must be 6 to 12 digits (keyed on the phone at the login)";
  }
  if (std::all_of(pin.begin(), pin.end(), [&](char c) { return c == pin[0]; })) {
    return "pin must not be one repeated digit";
  }
  if (is_run(pin, 1) || is_run(pin, -1)) return "pin must not be a simple sequence like 123456";
  if (!number.empty() && pin.find(number) != std::string_view::npos) {
    return "pin must not contain the extension's number";
  }
  return std::nullopt;
}

}  // namespace callbackd::web

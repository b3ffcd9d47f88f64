#include "store/caller_key.hpp"

#include <algorithm>

namespace callbackd::store {
namespace {
constexpr std::string_view kSeparators = " -.()";
constexpr std::string_view kWildcards = "*?";
constexpr std::string_view kSipScheme = "sip:";

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

std::string normalize_number(std::string_view number) {
  std::string out;
  out.reserve(number.size());
  for (char c : number) {
    if (kSeparators.find(c) == std::string_view::npos) out.push_back(c);
  }
  return out;
}

std::string index_form(std::string_view caller_address) {
  std::string out = normalize_number(caller_address);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  if (out.starts_with(kSipScheme)) out.erase(0, kSipScheme.size());
  return out;
}

CallerKeys caller_keys(std::string_view caller_address) {
  // The match normalises the pattern before globbing it against a PSTN number (callback::wildcard_match),
  // so the keys are taken from the normalised form too.
  std::string norm = index_form(caller_address);
  const auto wildcard = norm.find_first_of(kWildcards);
  if (wildcard == std::string::npos) return {std::move(norm), std::nullopt};
  norm.resize(wildcard);
  return {std::nullopt, std::move(norm)};
}

}  // namespace callbackd::store

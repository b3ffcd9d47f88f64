#include "callback/caller_match.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "callback/sip_uri.hpp"
#include "callback/text.hpp"
#include "store/caller_key.hpp"

namespace callbackd::callback {
namespace {

constexpr std::string_view kSipPrefix = "sip:";
constexpr std::size_t kMinPstnDigits = 2;
constexpr std::size_t kMaxPstnDigits = 20;  // a national number with an international prefix in front
constexpr std::size_t kMaxE164Digits = 15;  // ITU-T E.164: a '+' number has at most 15 digits
// Fewer literal digits than this in a wildcard pattern trusts whole countries or more.
constexpr std::size_t kMinLiteralDigits = 4;
constexpr std::size_t kMinLiteralSipChars = 4;
constexpr std::size_t kMaxCountryCodeDigits = 3;  // ITU-T E.164
constexpr std::size_t kNanpAreaPrefix = 4;        // "1" and a 3-digit area code

using text::iequals;
using text::is_digit;
using text::lower;

bool is_wildcard(char c) {
  return c == '*' || c == '?';
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kTrim = " \t\"";
  const auto first = s.find_first_not_of(kTrim);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kTrim);
  return s.substr(first, last - first + 1);
}

std::string_view strip_sip_prefix(std::string_view s) {
  if (s.size() >= kSipPrefix.size() && iequals(s.substr(0, kSipPrefix.size()), kSipPrefix)) {
    return s.substr(kSipPrefix.size());
  }
  return s;
}

// A SIP user part that names a caller as an admin would type it: RFC 3261's unreserved and user-unreserved
// characters, no %HH escapes. An escaped user (a line passing on whatever a caller sent, CR LF included) is
// no identity to match: fail closed, as for any malformed caller ID.
bool is_plain_sip_user(std::string_view user) {
  constexpr std::string_view kMarks = "-_.!~*'()&=+$,;?/";
  return !user.empty() && std::all_of(user.begin(), user.end(), [kMarks](char c) {
    return text::is_alnum(c) || kMarks.find(c) != std::string_view::npos;
  });
}

// '+'? digit+ : what a PSTN number looks like once separators are gone (no length limits here).
bool looks_like_pstn(std::string_view normalised) {
  if (!normalised.empty() && normalised.front() == '+') normalised.remove_prefix(1);
  return !normalised.empty() && std::all_of(normalised.begin(), normalised.end(), is_digit);
}

// Classic iterative glob match: on a mismatch, backtrack to the last '*' and let it swallow one more
// character. O(pattern * address) worst case, constant stack. Characters of the address at or after
// `fold_from` (the SIP host part) compare case-insensitively.
bool glob(std::string_view pattern, std::string_view address, std::size_t fold_from) {
  std::size_t p = 0;
  std::size_t a = 0;
  std::size_t star_p = std::string_view::npos;
  std::size_t star_a = 0;
  const auto same = [&](char pc, std::size_t ai) {
    return pc == '?' || pc == address[ai] || (ai >= fold_from && lower(pc) == lower(address[ai]));
  };
  while (a < address.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_a = a;
    } else if (p < pattern.size() && same(pattern[p], a)) {
      ++p;
      ++a;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      a = ++star_a;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::size_t literal_count(std::string_view pattern) {
  return static_cast<std::size_t>(
      std::count_if(pattern.begin(), pattern.end(), [](char c) { return !is_wildcard(c); }));
}

bool has_wildcard(std::string_view s) {
  return std::any_of(s.begin(), s.end(), is_wildcard);
}

bool is_privacy_word(std::string_view s) {
  static constexpr std::array<std::string_view, 6> kWords = {"anonymous",  "unknown", "unavailable",
                                                             "restricted", "private", "withheld"};
  const auto t = trim(s);
  return std::any_of(kWords.begin(), kWords.end(), [&](std::string_view w) { return iequals(t, w); });
}

// Pattern key used for specificity: literal characters in the form the match compares.
std::string comparable_pattern(std::string_view pattern) {
  auto normalised = normalize_number(pattern);
  if (std::all_of(normalised.begin(), normalised.end(),
                  [](char c) { return is_digit(c) || c == '+' || is_wildcard(c); })) {
    return normalised;
  }
  return std::string(strip_sip_prefix(pattern));
}

// Exact beats pattern; then more literal characters; then the older (lower id) entry, so the choice is
// stable.
struct Specificity {
  bool exact = false;
  std::size_t literals = 0;
  std::int64_t id = 0;
  bool beats(const Specificity& o) const {
    if (exact != o.exact) return exact;
    if (literals != o.literals) return literals > o.literals;
    return id < o.id;
  }
};

}  // namespace

std::string normalize_number(std::string_view number) {
  return store::normalize_number(number);
}

bool is_valid_pstn_number(std::string_view number) {
  const auto n = normalize_number(number);
  std::string_view digits = n;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  const std::size_t max = n.starts_with('+') ? kMaxE164Digits : kMaxPstnDigits;
  return digits.size() >= kMinPstnDigits && digits.size() <= max &&
         std::all_of(digits.begin(), digits.end(), is_digit);
}

bool is_pstn_pattern(std::string_view pattern) {
  const auto p = normalize_number(pattern);
  std::string_view rest = p;
  if (rest.starts_with('+')) rest.remove_prefix(1);
  return !rest.empty() &&
         std::all_of(rest.begin(), rest.end(), [](char c) { return is_digit(c) || is_wildcard(c); });
}

bool wildcard_match(std::string_view pattern, std::string_view address) {
  // A number pattern names phone numbers and nothing else: "+1777*" must not match the SIP address
  // "sip:+1777attacker@evil.example" (whose callback would go to a host the caller chose), nor a caller ID of
  // letters, wildcards or 500 digits. A SIP pattern, in turn, never matches a phone number.
  const bool number_pattern = is_pstn_pattern(pattern);
  if (is_valid_pstn_number(address)) {
    return number_pattern &&
           glob(normalize_number(pattern), normalize_number(address), std::string_view::npos);
  }
  if (number_pattern || looks_like_pstn(normalize_number(address))) return false;
  const auto pat = strip_sip_prefix(pattern);
  const auto addr = strip_sip_prefix(address);
  const auto at = addr.find('@');
  return glob(pat, addr, at == std::string_view::npos ? std::string_view::npos : at + 1);
}

CallerId classify_caller_id(const CallerIdInput& in) {
  const std::string& user = in.asserted_user.empty() ? in.from_user : in.asserted_user;
  // Fail closed: any sign that the caller asked for anonymity means no callback, even if another header
  // carries a number.
  if (in.privacy_id || user.empty() || is_privacy_word(in.from_user) || is_privacy_word(in.asserted_user) ||
      is_privacy_word(in.from_display)) {
    return {CallerIdStatus::Withheld, {}};
  }
  if (is_valid_pstn_number(user)) return {CallerIdStatus::Valid, normalize_number(user)};
  if (!in.asserted_user.empty()) return {CallerIdStatus::Malformed, {}};
  const auto from = parse_sip_uri(in.from_uri);
  if (!from.uri || from.uri->scheme != SipScheme::Sip || !is_plain_sip_user(from.uri->user) ||
      from.uri->has_headers) {
    return {CallerIdStatus::Malformed, {}};
  }
  return {CallerIdStatus::Valid, std::string(kSipPrefix) + from.uri->user + "@" + from.uri->host};
}

std::optional<std::string> unmatchable_sip_address_reason(std::string_view address) {
  if (text::istarts_with(address, "sips:")) {
    return "a caller is known by its sip: address (callbackd takes no TLS calls); write sip: instead";
  }
  const auto rest = strip_sip_prefix(address);
  const auto at = rest.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto user = rest.substr(0, at);
  const auto host = rest.substr(at + 1);
  if (user.find('%') != std::string_view::npos) {
    return "a caller whose user part is escaped (%HH) is never called back; write the characters themselves";
  }
  std::string literal = normalize_number(user);
  std::erase_if(literal, is_wildcard);
  if (has_wildcard(user) ? looks_like_pstn(literal) : is_valid_pstn_number(user)) {
    return "a caller whose user part is a number is matched by that number; add it as a PSTN caller";
  }
  const auto bracket = host.rfind(']');
  if (host.find(':', bracket == std::string_view::npos ? 0 : bracket) != std::string_view::npos) {
    return "a caller's SIP address is matched without its port; leave the port out";
  }
  return std::nullopt;
}

const store::AuthorizedPhone* find_trusted_caller(const std::vector<store::AuthorizedPhone>& phones,
                                                  std::string_view caller_number) {
  const store::AuthorizedPhone* best = nullptr;
  Specificity best_rank;
  for (const auto& phone : phones) {
    if (!wildcard_match(phone.caller_address, caller_number)) continue;
    const Specificity rank{!has_wildcard(phone.caller_address),
                           literal_count(comparable_pattern(phone.caller_address)), phone.id};
    if (best == nullptr || rank.beats(best_rank)) {
      best = &phone;
      best_rank = rank;
    }
  }
  return best;
}

std::optional<store::AuthorizedPhone> find_trusted_caller(store::Store& store,
                                                          std::string_view caller_number) {
  // The candidates are a superset of the matching entries (an exact entry matches only its own normalised
  // number, a pattern only numbers that start with its literal prefix), so ranking them gives the same winner
  // as ranking the whole table.
  const auto candidates = store.trusted_caller_candidates(std::string(caller_number));
  const auto* best = find_trusted_caller(candidates, caller_number);
  if (best == nullptr) return std::nullopt;
  return *best;
}

namespace {

// The digits before the first wildcard of an international pattern ("+1809*" -> "1809", "0044*" -> "44"), or
// nullopt for a national one.
std::optional<std::string> international_prefix(const std::string& key) {
  std::size_t start = 0;
  if (key.rfind('+', 0) == 0) {
    start = 1;
  } else if (key.rfind("00", 0) == 0) {
    start = 2;
  } else {
    return std::nullopt;
  }
  std::string digits;
  for (std::size_t i = start; i < key.size() && is_digit(key[i]); ++i) digits += key[i];
  return digits;
}

// North America shares country code 1, so there +1 and a 3-digit area code is still a whole region (+1809:
// the Dominican Republic, a classic toll-fraud target); elsewhere a country code has 1 to 3 digits. Without a
// numbering plan at hand, "+44*" and "+35*" are both called "a whole country code or more".
std::optional<std::string> international_breadth(const std::string& p) {
  if (p.empty()) return "matches nearly every caller";
  if (p[0] == '1') {
    if (p.size() == 1) return "matches every number of country code +1 (North America)";
    if (p.size() < kNanpAreaPrefix) return "matches several +1 area codes";
    if (p.size() == kNanpAreaPrefix) return "matches every number of area code +1 " + p.substr(1);
    return std::nullopt;
  }
  if (p.size() == 1) return "matches nearly every caller";
  if (p.size() <= kMaxCountryCodeDigits) return "matches a whole country code (+" + p + ") or more";
  return std::nullopt;
}

std::optional<std::string> pstn_breadth(const std::string& key) {
  if (const auto prefix = international_prefix(key)) {
    if (auto reason = international_breadth(*prefix)) return reason;
  }
  if (static_cast<std::size_t>(std::count_if(key.begin(), key.end(), is_digit)) < kMinLiteralDigits) {
    return "matches nearly every caller";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> overbroad_pattern_reason(std::string_view pattern) {
  if (!has_wildcard(pattern)) return std::nullopt;
  const auto key = comparable_pattern(pattern);
  const bool pstn =
      std::all_of(key.begin(), key.end(), [](char c) { return is_digit(c) || c == '+' || is_wildcard(c); });
  if (pstn) return pstn_breadth(key);
  constexpr const char* kEveryone = "matches nearly every caller";
  // A SIP pattern must at least pin the domain: "alice@*" trusts anyone who calls himself alice.
  const auto at = key.find('@');
  if (at == std::string::npos || has_wildcard(std::string_view(key).substr(at + 1))) return kEveryone;
  // "*@example.com" trusts everyone who can claim that domain.
  const std::string_view user = std::string_view(key).substr(0, at);
  if (std::all_of(user.begin(), user.end(), is_wildcard))
    return "matches every caller of " + key.substr(at + 1);
  if (literal_count(key) - 1 < kMinLiteralSipChars) return kEveryone;  // '@' itself says nothing
  return std::nullopt;
}

bool is_overbroad_pattern(std::string_view pattern) {
  return overbroad_pattern_reason(pattern).has_value();
}

}  // namespace callbackd::callback

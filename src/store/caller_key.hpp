#pragma once
// The index keys of the Authorized Phones Database. They let the store fetch, for one caller (a PSTN number
// or a SIP address), only the entries that can match it; which of those wins stays
// callback::find_trusted_caller's decision.
#include <optional>
#include <string>
#include <string_view>

namespace callbackd::store {

// Visual separators " -.()" removed: "+1 555-0100" -> "+15550100". The one definition; callback's
// normalize_number forwards here, so the keys the store writes and the numbers it is asked about agree.
std::string normalize_number(std::string_view number);

// The form the index compares: normalise_number's, with a leading "sip:" dropped and ASCII letters folded to
// lower case. callback::wildcard_match drops the scheme and folds a SIP host's case, so keys in this form
// select a superset of the entries it matches (a user part differing only in case is a candidate too, and
// then refused by the match).
std::string index_form(std::string_view caller_address);

// What the index knows about one caller_address: an entry without wildcards has an exact key (its index
// form), one with '*' or '?' has a pattern prefix (its index form before the first wildcard, maybe "").
struct CallerKeys {
  std::optional<std::string> exact_key;
  std::optional<std::string> pattern_prefix;
};
CallerKeys caller_keys(std::string_view caller_address);

}  // namespace callbackd::store

#pragma once
// Matching a caller address against the Authorized Phones Database, and telling real caller IDs from withheld
// or malformed ones (which never trigger a callback: fail closed).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"
#include "store/types.hpp"

namespace callbackd::callback {

// '*' matches any run of characters (possibly empty), '?' exactly one. PSTN numbers are compared after
// normalisation (visual separators " -.()" removed), so "+1 555-0100" matches "+15550100". A number pattern
// (is_pstn_pattern) matches only a valid PSTN number, a SIP pattern only an address that is none.
bool wildcard_match(std::string_view pattern, std::string_view address);

// A PSTN caller number as it arrives from a line: optional '+', then 2..20 digits (at most 15 after '+',
// E.164's limit).
bool is_valid_pstn_number(std::string_view number);
// An Authorized Phones Database address of the number kind: '+'? then digits, '*' and '?' (separators
// dropped), e.g. "+1777*". Such an entry names phone numbers only.
bool is_pstn_pattern(std::string_view pattern);
std::string normalize_number(std::string_view number);

enum class CallerIdStatus { Valid, Withheld, Malformed };

struct CallerIdInput {
  std::string from_user;      // user part of From (may be empty)
  std::string from_display;   // display name of From
  std::string asserted_user;  // user part of P-Asserted-Identity, empty when absent
  bool privacy_id = false;    // Privacy: id (or header) present
  std::string from_uri;       // the whole From URI, for a caller whose user part is no number
};
struct CallerId {
  CallerIdStatus status = CallerIdStatus::Withheld;
  std::string number;  // normalised, only when Valid: a PSTN number, or "sip:user@host" (see below)
};
// P-Asserted-Identity wins over From (calls only arrive from lines, which are trusted to assert it). A caller
// whose user part is no PSTN number, without an asserted identity, is known by its SIP address: "sip:", the
// From URI's user, '@' and its host (case-folded), without port or parameters, which is how SIP-type entries
// of the Authorized Phones Database name a caller. Anything else is Malformed.
CallerId classify_caller_id(const CallerIdInput& in);

// Why a SIP-type caller_address (grammar already checked) can never match a caller that classify_caller_id
// names, or nullopt: a sips: scheme, a port, an escaped (%HH) user, or a user part that is a number (such a
// caller is matched as a phone number). The API refuses these entries instead of storing dead ones.
std::optional<std::string> unmatchable_sip_address_reason(std::string_view address);

// The most specific entry that matches: an exact address beats a pattern; among patterns, the one with more
// literal characters wins. nullptr when none matches.
const store::AuthorizedPhone* find_trusted_caller(const std::vector<store::AuthorizedPhone>& phones,
                                                  std::string_view caller_number);

// The same choice over the store's indexed candidates (Store::trusted_caller_candidates): O(log n) with a
// million entries instead of reading them all. nullopt when none matches.
std::optional<store::AuthorizedPhone> find_trusted_caller(store::Store& store,
                                                          std::string_view caller_number);

// Why a pattern trusts too many callers for comfort, or nullopt: "*", "??*" and fewer than 4 literal digits
// ("matches nearly every caller"), a whole country code ("+44*", "0033*") or +1 area code ("+1809*"), a whole
// SIP domain ("*@example.com"). The API and the UI warn about them; the entry is stored anyway.
std::optional<std::string> overbroad_pattern_reason(std::string_view pattern);
bool is_overbroad_pattern(std::string_view pattern);

}  // namespace callbackd::callback

#pragma once
// Validation of REST request bodies: pure functions, no store access (existence checks take a lookup
// function), so every rule is unit-tested without a server.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "callback/destination.hpp"
#include "store/types.hpp"

namespace callbackd::web {

// A rejected field: answered as 400 {"error": message, "field": field}.
struct FieldError {
  std::string field;
  std::string message;
};

// Caller address patterns (the Authorized Phones Database); '*' and '?' are wildcards.
// PSTN: optional '+', then digits and wildcards, 1..32 characters (after removing the separators " -.()").
bool is_valid_pstn_pattern(std::string_view pattern);
// SIP: "user@host" with an optional "sip:"/"sips:" scheme; wildcards allowed in user and host; <= 256
// characters.
bool is_valid_sip_pattern(std::string_view pattern);
// `caller_address "<a>" would never match a caller: <why>` for a SIP address that no caller can match
// (callback::unmatchable_sip_address_reason), else nullopt. A new entry with it is refused; one stored before
// that rule is flagged with it as a warning.
std::optional<std::string> unmatchable_caller_address(std::string_view address);

// Extension numbers (the extensions table, login_extension): 2..8 digits, the rule of callback::Destination.
// Callback destinations are parsed by callback::Destination alone (see parse_phone).
bool is_valid_extension_number(std::string_view number);

// An extension's SIP password (digest, stored in the phone): 16..128 characters without control characters,
// at least 6 different ones. Returns why a password is refused, or nullopt when it is acceptable.
std::optional<std::string> password_problem(std::string_view password);
// An extension's keypad PIN (the attendant's login): 6..12 digits, not one repeated digit ("000000"), not one
// ascending or descending run ("123456", "987654"), not containing the extension's number.
std::optional<std::string> pin_problem(std::string_view pin, std::string_view number);

// Parses and validates an authorized-phone body (POST or PUT). Unknown fields, wrong JSON types, enum values
// and formats are refused; missing optional fields take their defaults (caller_type "auto", callback_type
// "auto", bools false, strings empty, login_extension and callback_delay_s null). An "id" field is ignored.
// PSTN addresses are stored without separators, destinations in callback::Destination::text() form.
std::optional<FieldError> parse_phone(const nlohmann::json& body, store::AuthorizedPhone& out);

// The rules that need the extensions table: login_extension must exist, and so must a "pbx" destination.
using ExtensionExists = std::function<bool(const std::string& number)>;
std::optional<FieldError> check_phone_references(const store::AuthorizedPhone& phone,
                                                 const ExtensionExists& exists);

// The toll-fraud policy's verdict on a destination: empty when it may be dialled, else the reason
// ("premium-rate", ...). Empty function: no policy (tests of other rules).
using DestinationPolicy = std::function<std::string(const callback::Destination& target)>;
// Refuses (field callback_destination) an entry whose callback the policy would refuse: its destination, or
// the caller's own number when the destination is empty and the caller address is one number. Stored anyway,
// the entry would only make jobs that fail; an admin opens the number in [policy] instead.
std::optional<FieldError> check_phone_policy(const store::AuthorizedPhone& phone,
                                             const DestinationPolicy& policy);

// The clear secrets of an extension body, each only when present.
struct ExtensionSecrets {
  std::optional<std::string> password;  // the SIP password
  std::optional<std::string> pin;       // the keypad PIN
};
// Parses and validates an extension body. `out.pin_hash` and `out.digest_ha1` are left empty; `secrets`
// receives the clear ones present. `require_secret` is true for POST, which needs a password or a pin (a PUT
// without them keeps the old ones).
std::optional<FieldError> parse_extension(const nlohmann::json& body, bool require_secret,
                                          store::Extension& out, ExtensionSecrets& secrets);

}  // namespace callbackd::web

#pragma once
// The toll-fraud policy: which numbers a call this server pays for may reach. Numbers are classified with
// libphonenumber (number type, region) plus a few prefix rules of our own, against the country of the line
// the call leaves on; international, premium rate, shared cost, satellite and emergency numbers are refused
// unless the [policy] table opens them. Built once from the configuration (and again on a reload); check()
// is synchronous and cheap, it runs on the call-control thread for every outgoing INVITE.
//
// Classification rules (docs/configuration.md, "[policy]"):
//  - a dial string is digits with an optional leading '+'; one with '*' or '#' (a feature code, which the
//    gateway may act on) is refused, and one with any other character is invalid;
//  - a number without '+' is read as dialled on the line: its international access prefix (011 in NANP,
//    00 elsewhere, libphonenumber's per country) makes it international; in NANP any leading 0 (operator,
//    01 operator-assisted international) counts as international; a leading 9 ("9 for an outside line") is
//    also read without it, and the most expensive reading wins, so "9011 44..." is international;
//  - a +1 number whose area code belongs to another NANP country (+1 809, +1 876) is international;
//  - a number libphonenumber cannot validate (the fictional 555 numbers) in the line's own country code is
//    dialled as domestic: the carrier refuses it if it does not exist; NANP 900 and 976 are premium anyway.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callback/destination.hpp"

namespace i18n::phonenumbers {
class ShortNumberInfo;
}

namespace callbackd::callback {

// Why a call is placed: the same policy applies to all; the purpose names the call in the security event.
enum class CallPurpose { Callback, Relay, RemoteConfig };
std::string_view to_string(CallPurpose p);

// [policy] in the configuration (defaults here are the documented ones).
struct PolicySettings {
  std::string country = "US";  // ISO 3166 alpha-2; a line's own `country` overrides it
  bool allow_international = false;
  bool allow_premium = false;      // premium rate (and personal numbers, UK 070: a classic fraud target)
  bool allow_shared_cost = false;  // shared cost (UK 084x/087x, ...)
  bool allow_satellite = false;    // +870, +881, +882, +883: satellite and international networks
  // Patterns over the E.164 form ("+4420*"): '*' any run, '?' one character, as for caller addresses.
  // An allow pattern lifts the international rule only; a deny pattern refuses whatever it matches and
  // wins over everything else.
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  // Remote Call Back Configuration by phone (*5, *6): the only numbers a caller may enter as a callback
  // destination, on top of the rules above; same pattern syntax. Empty, the default: the numbers of the
  // line's own country plan (domestic, toll-free, or unknown in its country code), none of them premium,
  // shared cost or satellite, whatever the allow_* keys say.
  std::vector<std::string> remote_allow;
  // Call Relay to a sip: URI that is not a line's gateway (an IP destination the caller typed) reaches only
  // these hosts, each "host" (any port) or "host:port" as a SIP URI writes them ("10.0.0.5",
  // "[2001:db8::1]:5080"). Empty, the default: refused, loopback included, since a PBX or an ITSP trunk that
  // trusts this server's address would otherwise place paid calls for whoever can reach the relay.
  std::vector<std::string> relay_sip_hosts;
  // Enforced by the Call Relay (not by TollPolicy): relayed calls at once per caller and in all, and the
  // longest a relayed call may last before it is hung up.
  int max_relay_calls_per_caller = 1;
  int max_relay_calls = 10;
  int max_relay_duration_s = 3600;
};

// A line gateway and the country its calls are dialled in: a sip: URI to that host and port (5060 when the
// URI has none) is a PSTN call.
struct PolicyGateway {
  std::string host;  // as a SIP URI writes it: IPv6 in brackets
  std::uint16_t port = 5060;
  std::string country;  // empty: PolicySettings::country
};

enum class NumberClass {
  Domestic,
  TollFree,
  Unknown,  // in the line's country code, but libphonenumber cannot validate it
  International,
  Satellite,
  SharedCost,
  PremiumRate,
  Emergency,
  FeatureCode,
  Invalid,  // a character other than digits, '+', '*', '#'
};
std::string_view to_string(NumberClass c);  // "premium-rate", ...: the refusal reason

struct NumberInfo {
  NumberClass kind = NumberClass::Invalid;  // the most expensive thing the number is
  bool international = false;               // also set for an international premium or satellite number
  std::string e164;  // "+<cc><national>", what patterns are matched against; empty when unknown
};

class TollPolicy {
 public:
  explicit TollPolicy(PolicySettings settings = {}, std::vector<PolicyGateway> gateways = {});

  // How `dial` (a number as it goes to the gateway) is classified from a line in `country` (empty: the
  // [policy] country).
  NumberInfo classify(std::string_view dial, std::string_view country = {}) const;
  // Empty when the PSTN number may be dialled from a line in `country`, otherwise the reason
  // ("premium-rate", "international", "denied-by-pattern", ...).
  std::string check_number(std::string_view dial, std::string_view country = {}) const;
  // Any destination: PSTN numbers are checked, and so is the user part of a sip: URI to a line's gateway;
  // other SIP URIs and extensions pass, except that a relayed call to a sip: URI that is no gateway needs
  // its host in relay_sip_hosts ("sip-relay-host-not-allowed").
  std::string check(const Destination& target, std::string_view country = {},
                    CallPurpose purpose = CallPurpose::Callback) const;
  // For a destination stored before any line is picked (the REST API): empty when some line may dial it,
  // in its own country; otherwise the first line's reason. The dialer checks again on the line it takes.
  std::string check_any_line(const Destination& target) const;
  // The remote configuration's own allow list (remote_allow), checked besides check(target, country,
  // CallPurpose::Callback) for a destination entered by phone: empty when it may be stored and called
  // back, otherwise the reason ("remote-not-allowed", or the number's class under the default list).
  // Only numbers can be keyed in, so a SIP URI is refused; an extension is no paid call and passes.
  std::string check_remote(const Destination& target, std::string_view country = {}) const;

  const PolicySettings& settings() const { return settings_; }

 private:
  std::string effective_country(std::string_view country) const;
  NumberInfo classify_reading(std::string_view digits, const std::string& country) const;
  std::string refusal(const NumberInfo& info) const;

  PolicySettings settings_;
  std::vector<PolicyGateway> gateways_;
  // libphonenumber's short-number metadata (emergency and premium short codes), built once per policy.
  std::shared_ptr<const i18n::phonenumbers::ShortNumberInfo> short_numbers_;
};

// Whether `code` is an ISO 3166 alpha-2 country libphonenumber knows ("US", "GB"; upper case).
bool is_known_country(std::string_view code);
// Whether `entry` is a valid relay_sip_hosts entry: a SIP URI's host with an optional port, nothing else.
bool is_valid_relay_host(std::string_view entry);
// Whether `pattern` is a valid allow/deny pattern: '+', then digits, '*' and '?'.
bool is_valid_number_pattern(std::string_view pattern);

}  // namespace callbackd::callback

#pragma once
// The toll-fraud policy: which numbers a call this server pays for may reach, and the exact number the line
// is sent. It fails closed: a dial string is read once, by libphonenumber, as the line's country dials it,
// and only a number that libphonenumber validates and whose type is allowed is dialled, in the line's
// normalised form (E.164 by default), never as the keys that were pressed. Built once from the
// configuration (and again on a reload); the checks are synchronous and cheap, they run on the call-control
// thread for every outgoing INVITE.
//
// How a dial string is read (docs/operations.md, "The toll-fraud policy"):
//  - digits with an optional leading '+'; '*' or '#' (a feature code, which the gateway may act on) is
//    refused, and so is any other character;
//  - without '+': a prefix from the line's strip_prefixes ("9" for an outside line) is removed first, the
//    longest that matches, once; in NANP a carrier access code (101XXXX) is refused unless the line allows
//    carrier codes, and then it is removed too; the rest is what libphonenumber parses in the line's country
//    (its international access prefix, 011 in NANP and 00 elsewhere, makes the number international);
//  - refused: emergency numbers, strings too short for a number of the country ("too-short"), anything
//    libphonenumber does not validate ("invalid"), premium rate, shared cost, satellite, special services
//    (VoIP, pager, UAN, voicemail), an E.164 prefix in deny_prefixes ("denied-prefix"; NANP 976 and
//    directory assistance ship in it) or a deny pattern; international numbers (another country code, or
//    another country inside a shared one: +1 876 from a US line) unless allow_international or an allow
//    pattern opens them. Domestic fixed and mobile numbers and domestic toll free numbers pass.
#include <cstdint>
#include <memory>
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

// NANP Feature Group D carrier access codes: "101" and four digits, then the number.
inline constexpr std::string_view kCarrierAccessPrefix = "101";
inline constexpr std::size_t kCarrierAccessLength = 7;

// The E.164 prefixes shipped in [policy] deny_prefixes: premium ranges libphonenumber calls fixed-line.
// '?' is one digit. docs/operations.md lists where each comes from.
std::vector<std::string> default_deny_prefixes();

// [policy] in the configuration (defaults here are the documented ones).
struct PolicySettings {
  std::string country = "US";  // ISO 3166 alpha-2; a line's own `country` overrides it
  bool allow_international = false;
  bool allow_premium = false;      // premium rate (and personal numbers, UK 070: a classic fraud target)
  bool allow_shared_cost = false;  // shared cost (UK 084x/087x, ...)
  bool allow_satellite = false;    // +870, +881, +882, +883: satellite and international networks
  bool allow_special = false;      // VoIP, pager, UAN and voicemail numbers
  // Patterns over the E.164 form ("+4420*"): '*' any run, '?' one character, as for caller addresses.
  // An allow pattern lifts the international rule only; a deny pattern refuses whatever it matches and
  // wins over everything else.
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  // Prefixes of the E.164 form ("+1???976": '?' one digit) that are refused whatever libphonenumber calls
  // them, as "denied-prefix". Replaced as a whole by the file's key or by web management.
  std::vector<std::string> deny_prefixes = default_deny_prefixes();
  // Remote Call Back Configuration by phone (*5, *6): the only numbers a caller may enter as a callback
  // destination, on top of the rules above; same pattern syntax. Empty, the default: the domestic and toll
  // free numbers of the line's own country, whatever the allow_* keys say.
  std::vector<std::string> remote_allow;
  // Call Relay to a sip: URI that is not a line's gateway (an IP destination the caller typed) reaches only
  // these hosts, each "host" (any port) or "host:port" as a SIP URI writes them ("10.0.0.5",
  // "[2001:db8::1]:5080"). Empty, the default: refused, loopback included, since a PBX or an ITSP trunk that
  // trusts this server's address would otherwise place paid calls for whoever can reach the relay.
  std::vector<std::string> relay_sip_hosts;
  // Enforced by the Call Relay (not by TollPolicy): relayed calls at once per caller and in all, relayed
  // calls per caller in the last hour and day (0: no cap), and the longest a relayed call may last.
  int max_relay_calls_per_caller = 1;
  int max_relay_calls = 10;
  int max_relay_calls_per_hour = 20;
  int max_relay_calls_per_day = 60;
  int max_relay_duration_s = 3600;
};

// The form of the number a line's gateway is sent as the Request-URI's user.
enum class DialFormat {
  E164,      // "+12125550199"
  National,  // as dialled inside the line's country, digits only: "2125550199"; abroad "011442071234567"
};
std::string_view to_string(DialFormat f);
bool parse_dial_format(std::string_view text, DialFormat& out);

// How one line dials: its country and what its callers may key in front of a number.
struct LineDialing {
  std::string country;                      // ISO 3166 alpha-2; empty: PolicySettings::country
  std::vector<std::string> strip_prefixes;  // outside-line prefixes ("9"), digits; none by default
  bool allow_carrier_codes = false;         // NANP 101XXXX: refused unless set, then stripped
  DialFormat format = DialFormat::E164;
  bool allow_international = false;  // this line may dial abroad, as [policy] allow_international for all
};

// A line gateway and how it dials: a sip: URI to that host and port (5060 when the URI has none) is a
// PSTN call on that line.
struct PolicyGateway {
  std::string host;  // as a SIP URI writes it: IPv6 in brackets
  std::uint16_t port = 5060;
  LineDialing dialing;
};

enum class NumberClass {
  Domestic,  // a valid fixed or mobile number of the line's country
  TollFree,
  International,
  Satellite,
  SharedCost,
  PremiumRate,
  Special,  // VoIP, pager, UAN, voicemail
  Emergency,
  FeatureCode,
  CarrierCode,  // a NANP carrier access code the line does not allow
  TooShort,
  Invalid,            // libphonenumber cannot read it as a valid number
  InvalidCharacters,  // a character other than digits, a leading '+', '*' and '#'
};
std::string_view to_string(NumberClass c);  // "premium-rate", ...: the refusal reason

struct NumberInfo {
  NumberClass kind = NumberClass::Invalid;
  bool international = false;  // also set for an international premium, toll free or satellite number
  std::string e164;            // "+<cc><national>", what patterns are matched against; empty when invalid
  std::string dial;            // the number as the line is sent it (LineDialing::format); empty when invalid
};

// The policy's answer for one destination on one line.
struct Judgement {
  std::string refused;  // empty when it may be dialled, otherwise the reason ("premium-rate", ...)
  // A PSTN number (or the user of a sip: URI to a line's gateway), when allowed: the normalised number the
  // Request-URI's user must be. Empty for extensions and other SIP URIs, which are sent as they are.
  std::string number;
  std::string e164;  // the same number in E.164, to store it whatever line dials it later
  bool allowed() const { return refused.empty(); }
};

class TollPolicy {
 public:
  explicit TollPolicy(PolicySettings settings = {}, std::vector<PolicyGateway> gateways = {});

  // How `dial` (a number as keyed or stored) reads on `line`.
  NumberInfo classify(std::string_view dial, const LineDialing& line) const;
  NumberInfo classify(std::string_view dial, std::string_view country = {}) const;
  Judgement judge_number(std::string_view dial, const LineDialing& line) const;
  // Empty when the PSTN number may be dialled from a line in `country`, otherwise the reason.
  std::string check_number(std::string_view dial, std::string_view country = {}) const;
  // Any destination: PSTN numbers are judged on `line`, and so is the user part of a sip: URI to a line's
  // gateway (on that gateway's line); other SIP URIs and extensions pass, except that a relayed call to a
  // sip: URI that is no gateway needs its host in relay_sip_hosts ("sip-relay-host-not-allowed").
  Judgement judge(const Destination& target, const LineDialing& line,
                  CallPurpose purpose = CallPurpose::Callback) const;
  std::string check(const Destination& target, std::string_view country = {},
                    CallPurpose purpose = CallPurpose::Callback) const;
  // For a destination stored before any line is picked (the REST API, the lists' warnings): empty when
  // some line may dial it; otherwise the first line's reason. The dialer judges again on the line it takes.
  std::string check_any_line(const Destination& target) const;
  // The remote configuration's own allow list (remote_allow), checked besides judge() for a destination
  // entered by phone: empty when it may be stored and called back, otherwise the reason
  // ("remote-not-allowed", or the number's class under the default list). Only numbers can be keyed in,
  // so a SIP URI is refused; an extension is no paid call and passes.
  std::string check_remote(const Destination& target, const LineDialing& line) const;
  std::string check_remote(const Destination& target, std::string_view country = {}) const;

  const PolicySettings& settings() const { return settings_; }

 private:
  LineDialing with_country(const LineDialing& line) const;
  std::string refusal(const NumberInfo& info, const LineDialing& line) const;

  PolicySettings settings_;
  std::vector<PolicyGateway> gateways_;
  // libphonenumber's short-number metadata (emergency numbers), built once per policy.
  std::shared_ptr<const i18n::phonenumbers::ShortNumberInfo> short_numbers_;
};

// Whether `code` is an ISO 3166 alpha-2 country libphonenumber knows ("US", "GB"; upper case).
bool is_known_country(std::string_view code);
// Whether `entry` is a valid relay_sip_hosts entry: a SIP URI's host with an optional port, nothing else.
bool is_valid_relay_host(std::string_view entry);
// Whether `pattern` is a valid allow/deny pattern: '+', then digits, '*' and '?'.
bool is_valid_number_pattern(std::string_view pattern);
// Whether `prefix` is a valid deny_prefixes entry: '+', then 1 to 15 digits or '?'.
bool is_valid_deny_prefix(std::string_view prefix);
// Whether `prefix` is a valid strip_prefixes entry: 1 to 4 digits.
bool is_valid_strip_prefix(std::string_view prefix);

}  // namespace callbackd::callback

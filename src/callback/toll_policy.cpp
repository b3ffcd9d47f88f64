#include "callback/toll_policy.hpp"

#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/shortnumberinfo.h>

#include <algorithm>
#include <array>
#include <set>

#include "callback/caller_match.hpp"
#include "callback/text.hpp"

namespace callbackd::callback {
namespace {

namespace pn = i18n::phonenumbers;
using Util = pn::PhoneNumberUtil;

// libphonenumber's own instance: its metadata is loaded once per process and is read-only afterwards.
const Util& util() {
  return *Util::GetInstance();
}

constexpr int kNanp = 1;
// Satellite services and international networks: billed at the highest rates, the classic fraud target.
constexpr std::array kSatelliteCodes = {870, 881, 882, 883};

NumberClass class_of_type(Util::PhoneNumberType type) {
  switch (type) {
    case Util::FIXED_LINE:
    case Util::MOBILE:
    case Util::FIXED_LINE_OR_MOBILE:
      return NumberClass::Domestic;
    case Util::TOLL_FREE:
      return NumberClass::TollFree;
    case Util::PREMIUM_RATE:
    case Util::PERSONAL_NUMBER:  // UK 070 "personal numbers" are charged like premium lines
      return NumberClass::PremiumRate;
    case Util::SHARED_COST:
      return NumberClass::SharedCost;
    case Util::VOIP:
    case Util::PAGER:
    case Util::UAN:
    case Util::VOICEMAIL:
      return NumberClass::Special;
    case Util::UNKNOWN:
      break;
  }
  return NumberClass::Invalid;
}

std::string digits_of(std::string_view formatted) {
  std::string out;
  std::copy_if(formatted.begin(), formatted.end(), std::back_inserter(out), text::is_digit);
  return out;
}

// The number as `line` is sent it: E.164, or as dialled from the line's country.
std::string dial_form(const pn::PhoneNumber& n, const LineDialing& line, bool international) {
  std::string out;
  if (line.format == DialFormat::E164) {
    util().Format(n, Util::E164, &out);
    return out;
  }
  if (international) {
    util().FormatOutOfCountryCallingNumber(n, line.country, &out);
  } else {
    util().Format(n, Util::NATIONAL, &out);
  }
  return digits_of(out);
}

NumberInfo classify_parsed(const pn::PhoneNumber& n, const LineDialing& line) {
  NumberInfo info;
  util().Format(n, Util::E164, &info.e164);
  const int cc = n.country_code();
  std::string region;
  util().GetRegionCodeForNumber(n, &region);
  // A shared country code (+1, +7, +44) names several countries: the number's region decides.
  info.international =
      cc != util().GetCountryCodeForRegion(line.country) || (region != "ZZ" && region != line.country);
  if (std::find(kSatelliteCodes.begin(), kSatelliteCodes.end(), cc) != kSatelliteCodes.end()) {
    info.kind = NumberClass::Satellite;
  } else if (!util().IsValidNumber(n)) {
    const auto possible = util().IsPossibleNumberWithReason(n);
    const bool short_one = possible == Util::TOO_SHORT || possible == Util::IS_POSSIBLE_LOCAL_ONLY;
    return {short_one ? NumberClass::TooShort : NumberClass::Invalid, info.international, {}, {}};
  } else {
    info.kind = class_of_type(util().GetNumberType(n));
    if (info.kind == NumberClass::Invalid) return {NumberClass::Invalid, info.international, {}, {}};
    if (info.kind == NumberClass::Domestic && info.international) info.kind = NumberClass::International;
  }
  info.dial = dial_form(n, line, info.international);
  return info;
}

bool dial_chars_ok(std::string_view dial) {
  if (dial.empty()) return false;
  const std::string_view rest = dial.front() == '+' ? dial.substr(1) : dial;
  return !rest.empty() && std::all_of(rest.begin(), rest.end(),
                                      [](char c) { return text::is_digit(c) || c == '*' || c == '#'; });
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view e164) {
  return !e164.empty() && std::any_of(patterns.begin(), patterns.end(),
                                      [e164](const std::string& p) { return wildcard_match(p, e164); });
}

bool starts_with_prefix(std::string_view e164, std::string_view prefix) {
  if (prefix.size() > e164.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != '?' && prefix[i] != e164[i]) return false;
    if (prefix[i] == '?' && !text::is_digit(e164[i])) return false;
  }
  return true;
}

bool has_denied_prefix(const std::vector<std::string>& prefixes, std::string_view e164) {
  return !e164.empty() && std::any_of(prefixes.begin(), prefixes.end(),
                                      [e164](const std::string& p) { return starts_with_prefix(e164, p); });
}

// The outside-line prefix keyed in front of the number, the longest of the line's that fits, removed once.
std::string_view strip_outside_prefix(std::string_view digits, const std::vector<std::string>& prefixes) {
  std::size_t best = 0;
  for (const auto& p : prefixes) {
    if (p.size() > best && p.size() < digits.size() && digits.starts_with(p)) best = p.size();
  }
  return digits.substr(best);
}

// relay_sip_hosts: each entry read by the SIP URI grammar, so a host compares as a URI's host does.
bool relay_host_allowed(const std::vector<std::string>& hosts, const SipUri& uri) {
  return std::any_of(hosts.begin(), hosts.end(), [&uri](const std::string& entry) {
    const auto allowed = parse_sip_uri("sip:" + entry);
    return allowed.uri && allowed.uri->host == uri.host &&
           (!allowed.uri->port || *allowed.uri->port == uri.port.value_or(5060));
  });
}

}  // namespace

std::vector<std::string> default_deny_prefixes() {
  return {
      "+1976",         // the historic NANP pay-per-call area code
      "+1???976",      // NANP 976 pay-per-call exchanges inside ordinary area codes
      "+1???5551212",  // NANP directory assistance, charged per call
  };
}

std::string_view to_string(CallPurpose p) {
  switch (p) {
    case CallPurpose::Callback:
      return "callback";
    case CallPurpose::Relay:
      return "relay";
    case CallPurpose::RemoteConfig:
      return "remote-config";
  }
  return "unknown";
}

std::string_view to_string(DialFormat f) {
  return f == DialFormat::National ? "national" : "e164";
}

bool parse_dial_format(std::string_view text, DialFormat& out) {
  if (text == "e164") {
    out = DialFormat::E164;
  } else if (text == "national") {
    out = DialFormat::National;
  } else {
    return false;
  }
  return true;
}

std::string_view to_string(NumberClass c) {
  constexpr std::array<std::string_view, 13> kNames{
      "domestic",     "toll-free",       "international",     "satellite",    "shared-cost",
      "premium-rate", "special-service", "emergency-number",  "feature-code", "carrier-access-code",
      "too-short",    "invalid",         "invalid-characters"};
  return kNames.at(static_cast<std::size_t>(c));
}

TollPolicy::TollPolicy(PolicySettings settings, std::vector<PolicyGateway> gateways)
    : settings_(std::move(settings)),
      gateways_(std::move(gateways)),
      short_numbers_(std::make_shared<const pn::ShortNumberInfo>()) {}

LineDialing TollPolicy::with_country(const LineDialing& line) const {
  LineDialing out = line;
  if (out.country.empty()) out.country = settings_.country;
  return out;
}

NumberInfo TollPolicy::classify(std::string_view dial, std::string_view country) const {
  LineDialing line;
  line.country = std::string(country);
  return classify(dial, line);
}

NumberInfo TollPolicy::classify(std::string_view dial, const LineDialing& given) const {
  if (!dial_chars_ok(dial)) return {NumberClass::InvalidCharacters, false, {}, {}};
  if (dial.find_first_of("*#") != std::string_view::npos) return {NumberClass::FeatureCode, false, {}, {}};
  const LineDialing line = with_country(given);
  pn::PhoneNumber n;
  if (dial.starts_with('+')) {
    if (util().Parse(std::string(dial), "ZZ", &n) != Util::NO_PARSING_ERROR) return {};
    return classify_parsed(n, line);
  }
  std::string_view digits = strip_outside_prefix(dial, line.strip_prefixes);
  const bool nanp = util().GetCountryCodeForRegion(line.country) == kNanp;
  if (nanp && digits.starts_with(kCarrierAccessPrefix)) {
    if (!line.allow_carrier_codes) return {NumberClass::CarrierCode, false, {}, {}};
    digits.remove_prefix(std::min(digits.size(), kCarrierAccessLength));
  }
  if (short_numbers_->IsEmergencyNumber(std::string(digits), line.country)) {
    return {NumberClass::Emergency, false, {}, {}};
  }
  switch (util().Parse(std::string(digits), line.country, &n)) {
    case Util::NO_PARSING_ERROR:
      return classify_parsed(n, line);
    case Util::TOO_SHORT_NSN:
    case Util::TOO_SHORT_AFTER_IDD:
      return {NumberClass::TooShort, false, {}, {}};
    default:
      return {};
  }
}

std::string TollPolicy::refusal(const NumberInfo& info, const LineDialing& line) const {
  auto reason = std::string(to_string(info.kind));
  switch (info.kind) {
    case NumberClass::Domestic:
    case NumberClass::TollFree:
    case NumberClass::International:
      break;
    case NumberClass::PremiumRate:
      if (!settings_.allow_premium) return reason;
      break;
    case NumberClass::SharedCost:
      if (!settings_.allow_shared_cost) return reason;
      break;
    case NumberClass::Satellite:
      if (!settings_.allow_satellite) return reason;
      break;
    case NumberClass::Special:
      if (!settings_.allow_special) return reason;
      break;
    default:
      return reason;  // not a number that may be dialled at all: no key opens it
  }
  if (matches_any(settings_.deny, info.e164)) return "denied-by-pattern";
  if (has_denied_prefix(settings_.deny_prefixes, info.e164)) return "denied-prefix";
  const bool abroad_open = settings_.allow_international || line.allow_international;
  if (info.international && !abroad_open && !matches_any(settings_.allow, info.e164)) {
    return "international";
  }
  return {};
}

Judgement TollPolicy::judge_number(std::string_view dial, const LineDialing& line) const {
  const NumberInfo info = classify(dial, line);
  std::string why = refusal(info, line);
  if (!why.empty()) return {std::move(why), {}, {}};
  return {{}, info.dial, info.e164};
}

std::string TollPolicy::check_number(std::string_view dial, std::string_view country) const {
  LineDialing line;
  line.country = std::string(country);
  return judge_number(dial, line).refused;
}

Judgement TollPolicy::judge(const Destination& target, const LineDialing& line, CallPurpose purpose) const {
  switch (target.kind()) {
    case Destination::Kind::Pstn:
      return judge_number(target.text(), line);
    case Destination::Kind::Extension:
      return {};
    case Destination::Kind::SipUri:
      break;
  }
  const SipUri& uri = *target.sip();
  const auto gw = std::find_if(gateways_.begin(), gateways_.end(), [&uri](const PolicyGateway& g) {
    return text::iequals(g.host, uri.host) && g.port == uri.port.value_or(5060);
  });
  const bool phone = std::any_of(uri.params.begin(), uri.params.end(), [](const auto& p) {
    return p.first == "user" && text::iequals(p.second, "phone");
  });
  if (gw == gateways_.end() && purpose == CallPurpose::Relay &&
      !relay_host_allowed(settings_.relay_sip_hosts, uri)) {
    return {"sip-relay-host-not-allowed", {}, {}};
  }
  // A gateway dials the user part as a number whichever way the INVITE reached it; user=phone says so too.
  if (gw == gateways_.end() && !phone) return {};
  return judge_number(decoded_user(uri), gw != gateways_.end() ? gw->dialing : line);
}

std::string TollPolicy::check(const Destination& target, std::string_view country,
                              CallPurpose purpose) const {
  LineDialing line;
  line.country = std::string(country);
  return judge(target, line, purpose).refused;
}

std::string TollPolicy::check_any_line(const Destination& target) const {
  if (target.kind() != Destination::Kind::Pstn || gateways_.empty()) return judge(target, {}).refused;
  std::string first;
  for (const auto& g : gateways_) {
    std::string why = judge(target, g.dialing).refused;
    if (why.empty()) return why;
    if (first.empty()) first = std::move(why);
  }
  return first;
}

std::string TollPolicy::check_remote(const Destination& target, const LineDialing& line) const {
  if (target.kind() == Destination::Kind::Extension) return {};
  if (target.kind() != Destination::Kind::Pstn) return "remote-not-a-number";
  const NumberInfo info = classify(target.text(), line);
  if (!settings_.remote_allow.empty()) {
    return matches_any(settings_.remote_allow, info.e164) ? std::string() : "remote-not-allowed";
  }
  switch (info.kind) {
    case NumberClass::Domestic:
    case NumberClass::TollFree:
      // The line's own plan only: an allow pattern or allow_international opens nothing here.
      return info.international ? "international" : std::string();
    default:
      return std::string(to_string(info.kind));
  }
}

std::string TollPolicy::check_remote(const Destination& target, std::string_view country) const {
  LineDialing line;
  line.country = std::string(country);
  return check_remote(target, line);
}

bool is_known_country(std::string_view code) {
  std::set<std::string> regions;
  util().GetSupportedRegions(&regions);
  return regions.contains(std::string(code));
}

bool is_valid_relay_host(std::string_view entry) {
  const auto parsed = parse_sip_uri("sip:" + std::string(entry));
  return parsed.uri && parsed.uri->user.empty() && parsed.uri->params.empty() && !parsed.uri->has_headers;
}

bool is_valid_number_pattern(std::string_view pattern) {
  return pattern.size() >= 2 && pattern.front() == '+' &&
         std::all_of(pattern.begin() + 1, pattern.end(),
                     [](char c) { return text::is_digit(c) || c == '*' || c == '?'; });
}

bool is_valid_deny_prefix(std::string_view prefix) {
  return prefix.size() >= 2 && prefix.size() <= 16 && prefix.front() == '+' &&
         std::all_of(prefix.begin() + 1, prefix.end(), [](char c) { return text::is_digit(c) || c == '?'; });
}

bool is_valid_strip_prefix(std::string_view prefix) {
  return !prefix.empty() && prefix.size() <= 4 && std::all_of(prefix.begin(), prefix.end(), text::is_digit);
}

}  // namespace callbackd::callback

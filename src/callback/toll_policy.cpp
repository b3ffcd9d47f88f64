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

// How expensive a reading is, to pick the worst of several readings of one dial string.
int cost_rank(const NumberInfo& i) {
  switch (i.kind) {
    case NumberClass::Unknown:
      return 0;
    case NumberClass::Domestic:
    case NumberClass::TollFree:
      return i.international ? 2 : 1;
    case NumberClass::International:
      return 2;
    case NumberClass::Satellite:
      return 3;
    case NumberClass::SharedCost:
      return 4;
    case NumberClass::PremiumRate:
      return 5;
    case NumberClass::Emergency:
      return 6;
    case NumberClass::FeatureCode:
    case NumberClass::Invalid:
      return 7;
  }
  return 7;
}

NumberClass class_of_type(Util::PhoneNumberType type, bool valid) {
  switch (type) {
    case Util::PREMIUM_RATE:
    case Util::PERSONAL_NUMBER:  // UK 070 "personal numbers" are charged like premium lines
      return NumberClass::PremiumRate;
    case Util::SHARED_COST:
      return NumberClass::SharedCost;
    case Util::TOLL_FREE:
      return NumberClass::TollFree;
    default:
      return valid ? NumberClass::Domestic : NumberClass::Unknown;
  }
}

// NANP premium area codes, whatever libphonenumber says of the rest of the number: a fictional or not yet
// known 900 number is still billed as one.
bool nanp_premium(const pn::PhoneNumber& n) {
  if (n.country_code() != kNanp) return false;
  const std::string national = std::to_string(n.national_number());
  return national.starts_with("900") || national.starts_with("976");
}

NumberInfo classify_parsed(const pn::PhoneNumber& n, const std::string& country) {
  NumberInfo info;
  util().Format(n, Util::E164, &info.e164);
  const int cc = n.country_code();
  if (std::find(kSatelliteCodes.begin(), kSatelliteCodes.end(), cc) != kSatelliteCodes.end()) {
    return {NumberClass::Satellite, true, info.e164};
  }
  std::string region;
  util().GetRegionCodeForNumber(n, &region);
  // A shared country code (+1, +7, +44) names several countries: the region decides, when it is known.
  const bool foreign_region = region != "ZZ" && region != country;
  info.international = cc != util().GetCountryCodeForRegion(country) || foreign_region;
  const bool valid = util().IsValidNumber(n);
  info.kind = nanp_premium(n) ? NumberClass::PremiumRate : class_of_type(util().GetNumberType(n), valid);
  if (info.international && (info.kind == NumberClass::Domestic || info.kind == NumberClass::Unknown)) {
    info.kind = NumberClass::International;
  }
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

// relay_sip_hosts: each entry read by the SIP URI grammar, so a host compares as a URI's host does.
bool relay_host_allowed(const std::vector<std::string>& hosts, const SipUri& uri) {
  return std::any_of(hosts.begin(), hosts.end(), [&uri](const std::string& entry) {
    const auto allowed = parse_sip_uri("sip:" + entry);
    return allowed.uri && allowed.uri->host == uri.host &&
           (!allowed.uri->port || *allowed.uri->port == uri.port.value_or(5060));
  });
}

}  // namespace

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

std::string_view to_string(NumberClass c) {
  switch (c) {
    case NumberClass::Domestic:
      return "domestic";
    case NumberClass::TollFree:
      return "toll-free";
    case NumberClass::Unknown:
      return "unknown";
    case NumberClass::International:
      return "international";
    case NumberClass::Satellite:
      return "satellite";
    case NumberClass::SharedCost:
      return "shared-cost";
    case NumberClass::PremiumRate:
      return "premium-rate";
    case NumberClass::Emergency:
      return "emergency-number";
    case NumberClass::FeatureCode:
      return "feature-code";
    case NumberClass::Invalid:
      return "invalid-characters";
  }
  return "unknown";
}

TollPolicy::TollPolicy(PolicySettings settings, std::vector<PolicyGateway> gateways)
    : settings_(std::move(settings)),
      gateways_(std::move(gateways)),
      short_numbers_(std::make_shared<const pn::ShortNumberInfo>()) {}

std::string TollPolicy::effective_country(std::string_view country) const {
  return country.empty() ? settings_.country : std::string(country);
}

// One reading of a dial string without '+', as the line's country dials it.
NumberInfo TollPolicy::classify_reading(std::string_view digits, const std::string& country) const {
  const bool nanp = util().GetCountryCodeForRegion(country) == kNanp;
  if (short_numbers_->IsEmergencyNumber(std::string(digits), country))
    return {NumberClass::Emergency, false, {}};
  pn::PhoneNumber n;
  if (util().Parse(std::string(digits), country, &n) != Util::NO_PARSING_ERROR) {
    return {NumberClass::International, true, {}};
  }
  NumberInfo info = classify_parsed(n, country);
  // NANP: 0 is the operator and 01 operator-assisted international; neither is a plain domestic call.
  if (nanp && digits.starts_with('0') && !info.international) return {NumberClass::International, true, {}};
  if (info.kind == NumberClass::Unknown && short_numbers_->IsValidShortNumberForRegion(n, country) &&
      short_numbers_->GetExpectedCostForRegion(n, country) == pn::ShortNumberInfo::PREMIUM_RATE) {
    info.kind = NumberClass::PremiumRate;
  }
  return info;
}

NumberInfo TollPolicy::classify(std::string_view dial, std::string_view line_country) const {
  if (!dial_chars_ok(dial)) return {NumberClass::Invalid, false, {}};
  if (dial.find_first_of("*#") != std::string_view::npos) return {NumberClass::FeatureCode, false, {}};
  const std::string country = effective_country(line_country);
  if (dial.starts_with('+')) {
    pn::PhoneNumber n;
    if (util().Parse(std::string(dial), "ZZ", &n) != Util::NO_PARSING_ERROR) {
      return {NumberClass::International, true, std::string(dial)};
    }
    return classify_parsed(n, country);
  }
  NumberInfo worst = classify_reading(dial, country);
  // "9 for an outside line": the gateway may drop a leading 9, so the number is also judged without it.
  if (dial.size() > 1 && dial.front() == '9') {
    NumberInfo without = classify_reading(dial.substr(1), country);
    if (cost_rank(without) > cost_rank(worst)) worst = std::move(without);
  }
  return worst;
}

std::string TollPolicy::refusal(const NumberInfo& info) const {
  switch (info.kind) {
    case NumberClass::Invalid:
    case NumberClass::FeatureCode:
    case NumberClass::Emergency:
      return std::string(to_string(info.kind));
    case NumberClass::PremiumRate:
      if (!settings_.allow_premium) return std::string(to_string(info.kind));
      break;
    case NumberClass::SharedCost:
      if (!settings_.allow_shared_cost) return std::string(to_string(info.kind));
      break;
    case NumberClass::Satellite:
      if (!settings_.allow_satellite) return std::string(to_string(info.kind));
      break;
    default:
      break;
  }
  if (info.international && !settings_.allow_international && !matches_any(settings_.allow, info.e164)) {
    return "international";
  }
  return {};
}

std::string TollPolicy::check_number(std::string_view dial, std::string_view country) const {
  const NumberInfo info = classify(dial, country);
  if (matches_any(settings_.deny, info.e164)) return "denied-by-pattern";
  return refusal(info);
}

std::string TollPolicy::check(const Destination& target, std::string_view country,
                              CallPurpose purpose) const {
  switch (target.kind()) {
    case Destination::Kind::Pstn:
      return check_number(target.text(), country);
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
    return "sip-relay-host-not-allowed";
  }
  // A gateway dials the user part as a number whichever way the INVITE reached it; user=phone says so too.
  if (gw == gateways_.end() && !phone) return {};
  return check_number(decoded_user(uri),
                      gw != gateways_.end() && !gw->country.empty() ? gw->country : country);
}

std::string TollPolicy::check_any_line(const Destination& target) const {
  if (target.kind() != Destination::Kind::Pstn || gateways_.empty()) return check(target);
  std::string first;
  for (const auto& g : gateways_) {
    std::string why = check(target, g.country);
    if (why.empty()) return why;
    if (first.empty()) first = std::move(why);
  }
  return first;
}

std::string TollPolicy::check_remote(const Destination& target, std::string_view country) const {
  if (target.kind() == Destination::Kind::Extension) return {};
  if (target.kind() != Destination::Kind::Pstn) return "remote-not-a-number";
  const NumberInfo info = classify(target.text(), country);
  if (!settings_.remote_allow.empty()) {
    return matches_any(settings_.remote_allow, info.e164) ? std::string() : "remote-not-allowed";
  }
  switch (info.kind) {
    case NumberClass::Domestic:
    case NumberClass::TollFree:
    case NumberClass::Unknown:
      // The line's own plan only: an allow pattern or allow_international opens nothing here.
      return info.international ? "international" : std::string();
    default:
      return std::string(to_string(info.kind));
  }
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

}  // namespace callbackd::callback

#include "callback/destination.hpp"

#include <algorithm>
#include <vector>

#include "callback/caller_match.hpp"
#include "callback/text.hpp"

namespace callbackd::callback {
namespace {

constexpr std::size_t kMaxSipLength = 256;
constexpr std::uint16_t kSipPort = 5060;
constexpr std::uint16_t kSipsPort = 5061;

bool has_scheme(std::string_view s) {
  return text::istarts_with(s, "sip:") || text::istarts_with(s, "sips:");
}

std::string with_scheme(std::string_view s) {
  return has_scheme(s) ? std::string(s) : "sip:" + std::string(s);
}

// Narrower than RFC 3261's user: ';' '?' '/' would start parameters or headers at a naive reader further
// down the line, and quotes and parentheses have no place in a number or a plain name.
bool plain_user(std::string_view user) {
  return std::all_of(user.begin(), user.end(), [](char c) {
    return text::is_alnum(c) || std::string_view("-_.!~*+&=$,%").find(c) != std::string_view::npos;
  });
}

// The allow-list of URI parameters; anything else (maddr, lr, method, ...) could steer the call elsewhere.
std::string check_param(const std::pair<std::string, std::string>& p) {
  const std::string value = text::to_lower(p.second);
  if (p.first == "transport" && (value == "udp" || value == "tcp")) return {};
  if (p.first == "user" && value == "phone") return {};
  if (p.first == "transport") return "transport must be udp or tcp";
  return "URI parameter " + p.first + " is not accepted (only transport=udp|tcp and user=phone)";
}

enum class UserPart { Required, Optional };

constexpr std::size_t kIpv4Groups = 4;

// The keypad groups of an IP dial string ("201*10*0*0*7" -> 201, 10, 0, 0, 7), or nullopt when it holds
// anything but digits and '*'.
std::optional<std::vector<std::string_view>> key_groups(std::string_view keys) {
  if (keys.empty() ||
      !std::all_of(keys.begin(), keys.end(), [](char c) { return text::is_digit(c) || c == '*'; })) {
    return std::nullopt;
  }
  std::vector<std::string_view> groups;
  for (std::size_t start = 0;;) {
    const auto star = keys.find('*', start);
    groups.push_back(keys.substr(start, star == std::string_view::npos ? keys.npos : star - start));
    if (star == std::string_view::npos) return groups;
    start = star + 1;
  }
}

// The URI text an IP dial string spells, or empty when its groups do not make one (see parse_ip_dial).
std::string spelled_uri(const std::vector<std::string_view>& g) {
  // 4 groups: the address; 5: user and address; 6: user (maybe empty), address and port.
  if (g.size() < kIpv4Groups || g.size() > kIpv4Groups + 2) return {};
  const std::size_t first = g.size() == kIpv4Groups ? 0 : 1;
  const bool empty_group = std::any_of(g.begin() + static_cast<std::ptrdiff_t>(first), g.end(),
                                       [](std::string_view x) { return x.empty(); });
  if (empty_group) return {};
  std::string uri = "sip:";
  if (first == 1 && !g[0].empty()) uri.append(g[0]).append("@");
  for (std::size_t i = first; i < first + kIpv4Groups; ++i)
    uri.append(g[i]).append(i + 1 < first + kIpv4Groups ? "." : "");
  if (g.size() == kIpv4Groups + 2) uri.append(":").append(g.back());
  return uri;
}

// The product's rules over a syntactically valid URI; empty when it may be dialled.
std::string check_sip_policy(const SipUri& u, UserPart user = UserPart::Required) {
  if (u.scheme == SipScheme::Sips) return "sips: is not supported (this server cannot dial TLS)";
  if (u.user.empty() && user == UserPart::Required) return "a SIP destination needs a user part (user@host)";
  if (!plain_user(u.user)) return "the user part may only hold letters, digits, escapes and -_.!~*+&=$,";
  if (u.has_headers) return "headers (?...) are not accepted in a destination";
  std::string seen;
  for (const auto& p : u.params) {
    if (auto e = check_param(p); !e.empty()) return e;
    if (seen.find(";" + p.first + ";") != std::string::npos) return "URI parameter " + p.first + " repeats";
    seen += ";" + p.first + ";";
  }
  return {};
}

}  // namespace

std::string canonical(const SipUri& u) {
  std::string out = "sip:" + (u.user.empty() ? std::string() : u.user + "@") + u.host;
  if (u.port) out += ":" + std::to_string(*u.port);
  for (const auto& [name, value] : u.params) out += ";" + name + "=" + text::to_lower(value);
  return out;
}

ParsedDestination Destination::parse_sip(std::string_view s) {
  // Measured with the scheme: the canonical text is stored with it and must parse again, and it is never
  // longer than this (host and parameters only change case, a port only loses leading zeros).
  const std::string uri = with_scheme(s);
  if (uri.size() > kMaxSipLength) return {std::nullopt, "a SIP URI must be at most 256 characters"};
  auto parsed = parse_sip_uri(uri);
  if (!parsed.uri) return {std::nullopt, "not a SIP URI: " + parsed.error};
  if (auto e = check_sip_policy(*parsed.uri); !e.empty()) return {std::nullopt, e};
  std::string canon = canonical(*parsed.uri);
  return {Destination(Kind::SipUri, std::move(canon), std::move(parsed.uri)), {}};
}

ParsedDestination Destination::parse_pstn(std::string_view s) {
  std::string number = normalize_number(s);
  if (!is_valid_pstn_number(number)) {
    return {std::nullopt, "a PSTN number is an optional '+' and 2 to 20 digits"};
  }
  return {Destination(Kind::Pstn, std::move(number)), {}};
}

ParsedDestination Destination::parse_ip_dial(std::string_view keys) {
  const auto groups = key_groups(keys);
  const std::string uri = groups ? spelled_uri(*groups) : std::string();
  if (uri.empty()) {
    return {
        std::nullopt,
        "an IP destination is [user*]a*b*c*d[*port] in keypad digits (a leading * for none: *a*b*c*d*port)"};
  }
  auto parsed = parse_sip_uri(uri);
  if (!parsed.uri) return {std::nullopt, "not a SIP URI: " + parsed.error};
  if (auto e = check_sip_policy(*parsed.uri, UserPart::Optional); !e.empty()) return {std::nullopt, e};
  std::string canon = canonical(*parsed.uri);
  return {Destination(Kind::SipUri, std::move(canon), std::move(parsed.uri)), {}};
}

ParsedDestination Destination::parse_extension(std::string_view s) {
  if (!is_extension_number(s)) return {std::nullopt, "an extension is 2 to 8 digits"};
  return {Destination(Kind::Extension, std::string(s)), {}};
}

ParsedDestination Destination::parse(std::string_view s, store::CallbackType type) {
  switch (type) {
    case store::CallbackType::Pbx:
      return parse_extension(s);
    case store::CallbackType::Pstn:
      return parse_pstn(s);
    case store::CallbackType::Sip:
      return parse_sip(s);
    case store::CallbackType::Auto:
      break;
  }
  if (has_scheme(s) || s.find('@') != std::string_view::npos) return parse_sip(s);
  return parse_pstn(s);
}

bool is_extension_number(std::string_view number) {
  return number.size() >= 2 && number.size() <= 8 && text::all_digits(number);
}

std::optional<std::string> sip_identity_key(std::string_view s) {
  if (s.size() > kMaxSipLength) return std::nullopt;
  const auto parsed = parse_sip_uri(with_scheme(s));
  if (!parsed.uri || parsed.uri->user.empty() || parsed.uri->has_headers) return std::nullopt;
  const SipUri& u = *parsed.uri;
  const bool sips = u.scheme == SipScheme::Sips;
  const auto port = u.port.value_or(sips ? kSipsPort : kSipPort);
  return std::string(sips ? "sips:" : "sip:") + decoded_user(u) + "@" + u.host + ":" + std::to_string(port);
}

}  // namespace callbackd::callback

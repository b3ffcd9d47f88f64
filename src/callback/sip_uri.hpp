#pragma once
// The SIP URI grammar of RFC 3261 section 25 (SIP-URI / SIPS-URI), our own parser rather than Sofia's
// url_d():
//  - the REST API (web/) and the policy (callback/) must not link Sofia, which only sip/ may include;
//  - url_d() decodes in place into a caller-owned buffer and keeps pointers into it, and it is lenient by
//    design (it accepts what a proxy must forward); we need a strict yes/no with a reason a person can read.
// This parses the syntax only and keeps what it found; what the product accepts is decided in
// destination.hpp. Deliberate narrowings of the ABNF: no password in userinfo, IPv4 octets at most 255,
// ports 1..65535, no trailing dot on a host name.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callbackd::callback {

enum class SipScheme { Sip, Sips };
enum class HostKind { Name, IPv4, IPv6 };

struct SipUri {
  SipScheme scheme = SipScheme::Sip;
  std::string user;  // as written, escapes kept; empty when the URI has no userinfo
  std::string host;  // case-folded; an IPv6 address keeps its brackets
  HostKind host_kind = HostKind::Name;
  std::optional<std::uint16_t> port;
  std::vector<std::pair<std::string, std::string>> params;  // names case-folded, values as written
  bool has_headers = false;                                 // "?name=value" after the parameters
};

struct SipUriParse {
  std::optional<SipUri> uri;
  std::string error;  // why the text is no SIP URI, when uri is empty
};

SipUriParse parse_sip_uri(std::string_view text);

// The user part with every %HH escape decoded (RFC 3261 19.1.4 compares escaped and plain forms as equal).
std::string decoded_user(const SipUri& uri);

}  // namespace callbackd::callback

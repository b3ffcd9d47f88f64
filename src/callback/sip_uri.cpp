#include "callback/sip_uri.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "callback/text.hpp"

namespace callbackd::callback {
namespace {

using text::is_alnum;
using text::is_digit;
using text::is_hex;

constexpr std::size_t kMaxLabel = 63;
constexpr int kMaxPort = 65535;

bool in(char c, std::string_view set) {
  return set.find(c) != std::string_view::npos;
}
bool is_unreserved(char c) {
  return is_alnum(c) || in(c, "-_.!~*'()");
}

// True when every character of s is allowed by `ok`, or is a complete %HH escape.
template <typename Pred>
bool chars_or_escapes(std::string_view s, Pred ok) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      if (!is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!ok(s[i])) {
      return false;
    }
  }
  return true;
}

// hostname = *( domainlabel "." ) toplabel; a label is alphanumerics with inner hyphens, the top one starts
// with a letter (which is what tells a name from an IPv4 address).
bool valid_hostname(std::string_view host) {
  std::size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    const auto label = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (label.empty() || label.size() > kMaxLabel || !is_alnum(label.front()) || !is_alnum(label.back()) ||
        !std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return text::is_alpha(label.front());
    start = dot + 1;
  }
}

bool valid_ipv4(std::string_view host) {
  int parts = 0;
  std::size_t start = 0;
  while (parts < 4) {
    const auto dot = host.find('.', start);
    const auto octet = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    int value = 0;
    if (octet.empty() || octet.size() > 3 || !text::all_digits(octet)) return false;
    std::from_chars(octet.data(), octet.data() + octet.size(), value);
    if (value > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4 && host.find('.', start) == std::string_view::npos;
}

bool valid_ipv6(std::string_view bracketed) {
  if (bracketed.size() < 3 || bracketed.front() != '[' || bracketed.back() != ']') return false;
  const std::string inner(bracketed.substr(1, bracketed.size() - 2));
  in6_addr addr{};
  return inet_pton(AF_INET6, inner.c_str(), &addr) == 1;
}

std::string parse_host(std::string_view host, SipUri& out) {
  out.host = text::to_lower(host);
  if (host.empty()) return "the host is missing";
  if (host.front() == '[') {
    out.host_kind = HostKind::IPv6;
    return valid_ipv6(host) ? "" : "the IPv6 address is invalid";
  }
  if (std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; })) {
    out.host_kind = HostKind::IPv4;
    return valid_ipv4(host) ? "" : "the IPv4 address is invalid";
  }
  out.host_kind = HostKind::Name;
  return valid_hostname(host) ? "" : "the host name is invalid";
}

std::string parse_port(std::string_view port, SipUri& out) {
  int value = 0;
  if (port.size() > 5 || !text::all_digits(port)) return "the port is not a number";
  std::from_chars(port.data(), port.data() + port.size(), value);
  if (value < 1 || value > kMaxPort) return "the port must be 1 to 65535";
  out.port = static_cast<std::uint16_t>(value);
  return {};
}

// hostport = host [ ":" port ]; the brackets of an IPv6 reference hide its colons.
std::string parse_hostport(std::string_view hp, SipUri& out) {
  const auto close = hp.front() == '[' ? hp.find(']') : std::string_view::npos;
  const auto colon = hp.find(':', close == std::string_view::npos ? 0 : close);
  if (hp.front() == '[' && close == std::string_view::npos) return "the IPv6 address has no closing ']'";
  if (close != std::string_view::npos && close + 1 < hp.size() && hp[close + 1] != ':') {
    return "text follows the IPv6 address";
  }
  if (auto e = parse_host(hp.substr(0, colon), out); !e.empty()) return e;
  return colon == std::string_view::npos ? "" : parse_port(hp.substr(colon + 1), out);
}

// uri-parameters = *( ";" pname [ "=" pvalue ] ), paramchar = param-unreserved / unreserved / escaped.
std::string parse_params(std::string_view params, SipUri& out) {
  const auto paramchar = [](char c) { return is_unreserved(c) || in(c, "[]/:&+$"); };
  while (!params.empty()) {
    params.remove_prefix(1);  // the ';'
    const auto end = params.find(';');
    const auto param = params.substr(0, end);
    const auto eq = param.find('=');
    const auto name = param.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
    if (name.empty() || !chars_or_escapes(name, paramchar) ||
        (eq != std::string_view::npos && (value.empty() || !chars_or_escapes(value, paramchar)))) {
      return "a URI parameter is malformed";
    }
    out.params.emplace_back(text::to_lower(name), std::string(value));
    params = end == std::string_view::npos ? std::string_view{} : params.substr(end);
  }
  return {};
}

std::string parse_rest(std::string_view rest, SipUri& out) {
  const auto q = rest.find('?');
  out.has_headers = q != std::string_view::npos;
  const auto before_headers = rest.substr(0, q);
  const auto close = before_headers.find(']');  // ';' inside an IPv6 reference cannot occur, ':' can
  const auto semi = before_headers.find(';', close == std::string_view::npos ? 0 : close);
  // Checked here, not by parse_host: parse_hostport looks at the first character ("sip:;x", "sip:u@;x").
  const auto hostport = before_headers.substr(0, semi);
  if (hostport.empty()) return "the host is missing";
  if (auto e = parse_hostport(hostport, out); !e.empty()) return e;
  if (semi != std::string_view::npos) return parse_params(before_headers.substr(semi), out);
  return {};
}

}  // namespace

SipUriParse parse_sip_uri(std::string_view s) {
  SipUri uri;
  if (text::istarts_with(s, "sip:")) {
    s.remove_prefix(4);
  } else if (text::istarts_with(s, "sips:")) {
    uri.scheme = SipScheme::Sips;
    s.remove_prefix(5);
  } else {
    return {std::nullopt, "it does not start with sip: or sips:"};
  }
  const auto at = s.find('@');
  if (at != std::string_view::npos) {
    if (s.find('@', at + 1) != std::string_view::npos) return {std::nullopt, "it has more than one '@'"};
    const auto user = s.substr(0, at);
    if (user.find(':') != std::string_view::npos) return {std::nullopt, "a password in the URI is refused"};
    if (user.empty() ||
        !chars_or_escapes(user, [](char c) { return is_unreserved(c) || in(c, "&=+$,;?/"); })) {
      return {std::nullopt, "the user part is empty or has characters SIP does not allow"};
    }
    uri.user = std::string(user);
    s.remove_prefix(at + 1);
  }
  if (auto e = parse_rest(s, uri); !e.empty()) return {std::nullopt, e};
  return {std::move(uri), {}};
}

std::string decoded_user(const SipUri& uri) {
  std::string out;
  for (std::size_t i = 0; i < uri.user.size(); ++i) {
    if (uri.user[i] == '%' && i + 2 < uri.user.size()) {
      std::uint8_t byte = 0;
      std::from_chars(uri.user.data() + i + 1, uri.user.data() + i + 3, byte, 16);
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(uri.user[i]);
    }
  }
  return out;
}

}  // namespace callbackd::callback

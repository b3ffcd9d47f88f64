#pragma once
// Security events (docs/operations.md, "Security events"): one warning line each, in one fixed format that
// the shipped fail2ban filter (contrib/fail2ban/) matches:
//   security: <event> from=<ip> key="value" ...
// <event> is one of the names below, <ip> the peer's address as the socket saw it (never a header), and every
// value is escaped with text::log_escape, so nothing a peer sends can end a value, the line, or the format.
#include <spdlog/spdlog.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "callback/text.hpp"

namespace callbackd::callback {

enum class SecurityEvent {
  SipForbidden,        // a SIP request from an address that is neither a line's gateway nor allowed (403)
  ApiUnauthorized,     // a REST request without a valid bearer token or session (401)
  WebLoginFailed,      // a wrong admin name or password at the web login
  WebLoginThrottled,   // a web login refused because of earlier failures (lockout, 429)
  PhoneLoginFailed,    // a wrong extension or password at the attendant's login (from: the leg's peer)
  PhoneLockout,        // failed phone logins locked a caller number and an extension out of the attendant
  DestinationRefused,  // the outgoing policy refused a number a caller dialled or a callback was to reach
  SipDigestFailed,     // SIP digest credentials refused: unknown user, wrong password, bad or replayed nonce
  // A trusted caller's trigger refused by callback.max_per_hour / max_per_day (from=-: the caller is a phone
  // number, not an address to ban; the filter in contrib/fail2ban/ does not match it).
  CallbackRateLimited,
  // SIP requests from a stranger beyond [sip] stranger_rate / stranger_burst (sip/source_throttle.hpp),
  // logged once a minute per source with the count refused since the last line.
  SipThrottled,
  // A callback destination entered by phone (*5, *6) that the toll policy or [policy] remote_allow refused
  // (from: the leg's peer, as for the phone login; the filter does not match it).
  RemoteDestinationRefused,
  // A trusted caller's relayed call refused by [policy] max_relay_calls_per_hour / _per_day (from: the leg's
  // peer, the line's gateway for a called-back caller; the filter does not match it).
  RelayCapReached,
  // [sip] auth_source_failures wrong digest passwords from one address within auth_source_window_s: its
  // credentials go unchecked until the window has room (registrar/digest_guard.hpp).
  SipAuthThrottled,
  // [sip] auth_lockout_failures wrong digest passwords for one extension, from any addresses: its digest is
  // locked for auth_lockout_s (from: the address of the guess that locked it).
  SipDigestLockout,
};

constexpr std::string_view to_string(SecurityEvent e) {
  switch (e) {
    case SecurityEvent::SipForbidden:
      return "sip-forbidden";
    case SecurityEvent::ApiUnauthorized:
      return "api-unauthorized";
    case SecurityEvent::WebLoginFailed:
      return "web-login-failed";
    case SecurityEvent::WebLoginThrottled:
      return "web-login-throttled";
    case SecurityEvent::PhoneLoginFailed:
      return "phone-login-failed";
    case SecurityEvent::PhoneLockout:
      return "phone-lockout";
    case SecurityEvent::DestinationRefused:
      return "destination-refused";
    case SecurityEvent::SipDigestFailed:
      return "sip-digest-failed";
    case SecurityEvent::CallbackRateLimited:
      return "callback-rate-limited";
    case SecurityEvent::SipThrottled:
      return "sip-throttled";
    case SecurityEvent::RemoteDestinationRefused:
      return "remote-destination-refused";
    case SecurityEvent::RelayCapReached:
      return "relay-cap-reached";
    case SecurityEvent::SipAuthThrottled:
      return "sip-auth-throttled";
    case SecurityEvent::SipDigestLockout:
      return "sip-digest-lockout";
  }
  return "unknown";
}

using SecurityField = std::pair<std::string_view, std::string_view>;

// The line without the logger's time and level; tested, and what log_security_event() writes.
inline std::string format_security_event(SecurityEvent e, std::string_view from,
                                         std::initializer_list<SecurityField> fields) {
  std::string line = "security: ";
  line.append(to_string(e)).append(" from=").append(text::log_escape(from.empty() ? "-" : from));
  for (const auto& [key, value] : fields) {
    line.append(" ").append(key).append("=\"").append(text::log_escape(value)).append("\"");
  }
  return line;
}

inline void log_security_event(SecurityEvent e, std::string_view from,
                               std::initializer_list<SecurityField> fields) {
  spdlog::warn("{}", format_security_event(e, from, fields));
}

}  // namespace callbackd::callback

#pragma once
// Where a callback (and a relay leg) goes: a SIP URI, a PSTN number or an extension. The one parser
// of destinations: the REST API validates with it, the trigger resolves with it, a job row is read back with
// it, so what the API accepts is exactly what the dialer dials.
//
// This server places paid calls, so a destination is the narrowest thing that is useful (toll fraud):
//  - SIP: sip:user@host[:port], host a DNS name, IPv4 or [IPv6]; the user is letters, digits, escapes and
//    - _ . ! ~ * + & = $ , only; parameters only transport=udp|tcp and user=phone; no headers (?...); no
//    sips: (no TLS in the stack). "user@host" without a scheme means sip:.
//  - PSTN: an optional '+' and 2 to 20 digits, separators " -.()" dropped.
//  - Extension: 2 to 8 digits (the numbering of the extensions table).
#include <optional>
#include <string>
#include <string_view>

#include "callback/sip_uri.hpp"
#include "store/types.hpp"

namespace callbackd::callback {

struct ParsedDestination;

class Destination {
 public:
  enum class Kind { SipUri, Pstn, Extension };

  static ParsedDestination parse_sip(std::string_view text);
  static ParsedDestination parse_pstn(std::string_view text);
  static ParsedDestination parse_extension(std::string_view text);
  // Call Relay's dial string for an IP destination, typed on a phone's keypad (digits and '*' only, without
  // the ending '#'), '*' standing for the dots: "192*168*0*10" is sip:192.168.0.10, "201*192*168*0*10" is
  // sip:201@192.168.0.10, "201*192*168*0*10*5070" is sip:201@192.168.0.10:5070, and a leading '*' (no
  // user) with a port, "*192*168*0*10*5070", is sip:192.168.0.10:5070. The URI it spells is read by the
  // SIP URI grammar and the rules above, except that the user part may be absent.
  static ParsedDestination parse_ip_dial(std::string_view keys);
  // By the entry's callback_type; "auto" is SIP when the text has a sip:/sips: scheme or an '@', else PSTN.
  static ParsedDestination parse(std::string_view text, store::CallbackType type);

  Kind kind() const { return kind_; }
  // Canonical text: "sip:user@host[:port][;transport=..][;user=phone]" (scheme and host lower case), a
  // number without separators, or the extension's digits. Parsing it again gives the same destination.
  const std::string& text() const { return text_; }
  const SipUri* sip() const { return sip_ ? &*sip_ : nullptr; }

  bool operator==(const Destination& o) const { return kind_ == o.kind_ && text_ == o.text_; }

 private:
  Destination(Kind kind, std::string text, std::optional<SipUri> sip = std::nullopt)
      : kind_(kind), text_(std::move(text)), sip_(std::move(sip)) {}

  Kind kind_;
  std::string text_;
  std::optional<SipUri> sip_;
};

// A parse result: the destination, or the reason it was refused (a phrase that fits after "refused: ").
struct ParsedDestination {
  std::optional<Destination> destination;
  std::string error;

  explicit operator bool() const { return destination.has_value(); }
  const Destination& operator*() const { return *destination; }
  const Destination* operator->() const { return &*destination; }
};

// A destination's canonical text of a SIP URI (Destination::text()): a pbx that rewrites a URI's user to the
// number the policy normalised builds its Request-URI with it.
std::string canonical(const SipUri& uri);

// The numbering rule of extensions (2 to 8 digits), shared by destinations and the extensions table.
bool is_extension_number(std::string_view number);

// The form in which two SIP addresses of one party compare equal, for matching SIP-type trusted callers:
// "sip:" or "sips:", the user with escapes decoded (case-sensitive, RFC 3261 19.1.4: users differ by case),
// '@', the host case-folded, ':' and the port (5060, or 5061 for sips:, when absent). Parameters do not name
// the party and are dropped; a URI with headers or without a user names no caller: nullopt, as for any
// text that is no SIP URI. "user@host" without a scheme is read as sip:.
std::optional<std::string> sip_identity_key(std::string_view uri);

}  // namespace callbackd::callback

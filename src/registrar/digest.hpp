#pragma once
// SIP digest authentication (RFC 2617 and RFC 7616 with MD5, qop="auth"): the Authorization header's
// parameters and the response a client with the right H(A1) computes. H(A1) itself is store::digest_ha1().
#include <optional>
#include <string>
#include <string_view>

namespace callbackd::registrar {

struct DigestCredentials {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;
  std::string algorithm;  // empty: MD5 (RFC 2617 3.2.2)
  std::string cnonce;
  std::string qop;
  std::string nc;
  std::string opaque;
};

// The credentials of an "Authorization: Digest ..." (or Proxy-Authorization) value; empty when it is not
// Digest, a parameter repeats, or the syntax is broken. Unknown parameters are ignored (RFC 2617 3.2.2).
std::optional<DigestCredentials> parse_digest(std::string_view header);

// request-digest for qop="auth": KD(H(A1), nonce:nc:cnonce:qop:H(method:uri)), lower-case hex.
std::string digest_response(std::string_view ha1, std::string_view method, const DigestCredentials& c);

// Equal strings, in a time that depends only on the lengths (a response must not leak by timing).
bool equal_secret(std::string_view a, std::string_view b);

}  // namespace callbackd::registrar

#pragma once
// Extension passwords: set since schema 6 as SIP digest's H(A1) for the realm (what phones need to register);
// older rows keep a salted PBKDF2-HMAC-SHA256, "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>", which
// verify_extension_password() still accepts.
#include <string>
#include <string_view>

namespace callbackd::store {

std::string hash_password(std::string_view clear);
bool verify_password(std::string_view clear, std::string_view stored);

struct Extension;

// MD5 of `data` as 32 lower-case hex digits: SIP digest's H() (RFC 2617 3.2.1). Not for anything else.
std::string md5_hex(std::string_view data);
// H(A1) = MD5(number ":" realm ":" password), what Extension::digest_ha1 stores.
std::string digest_ha1(std::string_view number, std::string_view realm, std::string_view password);
// The phone login's check: against digest_ha1 for `realm` when the row has one, else against the old PBKDF2
// hash. Constant time in the comparison.
bool verify_extension_password(const Extension& e, std::string_view password, std::string_view realm);

}  // namespace callbackd::store

#pragma once
// An extension's two secrets: the SIP password, kept as digest's H(A1) for the realm (what phones need to
// register), and the keypad PIN of the phone login, kept as a salted PBKDF2-HMAC-SHA256,
// "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>".
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
// The phone login's check of what was keyed: against the PIN's hash, or for a row from before PINs that has
// keypad_sip_password, against digest_ha1 for `realm`. A row with neither never logs in. Constant time in
// the comparison.
bool verify_extension_pin(const Extension& e, std::string_view keyed, std::string_view realm);
// A PBKDF2 hash of a secret nobody knows: checking against it takes as long as checking a real PIN.
inline constexpr std::string_view kNobodysPinHash =
    "pbkdf2-sha256$100000$bm9ib2R5LWtub3dzLXRoaXM=$q3mW0b6m9B7y7m0mTq1m7k0Yb1tH8cS8w8v3r9m1x2Q=";

}  // namespace callbackd::store

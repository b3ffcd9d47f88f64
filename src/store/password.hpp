#pragma once
// Extension passwords are kept as salted PBKDF2-HMAC-SHA256: "pbkdf2-sha256$<iterations>$<salt b64>$<hash
// b64>".
#include <string>
#include <string_view>

namespace callbackd::store {

std::string hash_password(std::string_view clear);
bool verify_password(std::string_view clear, std::string_view stored);

}  // namespace callbackd::store

#include "store/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

#include "store/types.hpp"

namespace callbackd::store {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr int kIterations = 100000;
constexpr int kSaltBytes = 16;
constexpr int kHashBytes = 32;
// Refuse absurd iteration counts from a tampered row rather than spin for minutes.
constexpr int kMaxIterations = 10'000'000;

using Bytes = std::vector<unsigned char>;

std::string base64_encode(const Bytes& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), in.data(), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// EVP_DecodeBlock pads its output with zero bytes for '=' padding: trim them using the input's padding count.
std::optional<Bytes> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  Bytes out(in.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

Bytes derive(std::string_view clear, const Bytes& salt, int iterations, std::size_t length) {
  Bytes out(length);
  if (PKCS5_PBKDF2_HMAC(clear.data(), static_cast<int>(clear.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(out.size()),
                        out.data()) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

// Splits "a$b$c$d" into exactly four parts.
std::optional<std::vector<std::string_view>> split4(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '$') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 4) return std::nullopt;
  return parts;
}

}  // namespace

std::string hash_password(std::string_view clear) {
  Bytes salt(kSaltBytes);
  if (RAND_bytes(salt.data(), kSaltBytes) != 1) throw std::runtime_error("RAND_bytes failed");
  const Bytes hash = derive(clear, salt, kIterations, kHashBytes);
  return std::string(kScheme) + "$" + std::to_string(kIterations) + "$" + base64_encode(salt) + "$" +
         base64_encode(hash);
}

bool verify_password(std::string_view clear, std::string_view stored) {
  const auto parts = split4(stored);
  if (!parts || (*parts)[0] != kScheme) return false;
  int iterations = 0;
  const auto it = (*parts)[1];
  const auto [end, ec] = std::from_chars(it.data(), it.data() + it.size(), iterations);
  if (ec != std::errc{} || end != it.data() + it.size() || iterations < 1 || iterations > kMaxIterations) {
    return false;
  }
  const auto salt = base64_decode((*parts)[2]);
  const auto expected = base64_decode((*parts)[3]);
  if (!salt || !expected || expected->empty()) return false;
  const Bytes actual = derive(clear, *salt, iterations, expected->size());
  return CRYPTO_memcmp(actual.data(), expected->data(), actual.size()) == 0;
}

std::string md5_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(MD5) failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0x0f]);
  }
  return out;
}

std::string digest_ha1(std::string_view number, std::string_view realm, std::string_view password) {
  std::string a1;
  a1.append(number).append(":").append(realm).append(":").append(password);
  return md5_hex(a1);
}

bool verify_extension_pin(const Extension& e, std::string_view keyed, std::string_view realm) {
  if (!e.pin_hash.empty()) return verify_password(keyed, e.pin_hash);
  if (!e.keypad_sip_password || e.digest_ha1.empty()) return false;
  const std::string actual = digest_ha1(e.number, realm, keyed);
  return actual.size() == e.digest_ha1.size() &&
         CRYPTO_memcmp(actual.data(), e.digest_ha1.data(), actual.size()) == 0;
}

}  // namespace callbackd::store

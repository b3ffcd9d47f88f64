#include "registrar/nonce.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <spdlog/fmt/fmt.h>

#include <array>
#include <charconv>
#include <stdexcept>

#include "registrar/digest.hpp"

namespace callbackd::registrar {
namespace {

constexpr std::size_t kStampDigits = 16;
// Random digits after the time, so two challenges in the same millisecond (two phones behind one NAT) differ
// and each gets its own nonce count.
constexpr std::size_t kSaltDigits = 8;
constexpr std::size_t kSignedDigits = kStampDigits + kSaltDigits;
constexpr std::size_t kMacDigits = 32;
constexpr int kSecretBytes = 32;
// A nonce a little in the future is a clock step on this host, not forgery; more is refused.
constexpr std::int64_t kFutureSlackMs = 2000;

std::int64_t to_ms(callback::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string random_secret() {
  std::string s(kSecretBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), kSecretBytes) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return s;
}

}  // namespace

NonceSigner::NonceSigner(std::chrono::seconds ttl) : NonceSigner(random_secret(), ttl) {}

NonceSigner::NonceSigner(std::string secret, std::chrono::seconds ttl)
    : secret_(std::move(secret)), ttl_(ttl) {}

std::string NonceSigner::sign(std::string_view stamp, std::string_view source) const {
  std::string msg(stamp);
  msg.append("@").append(source);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
           reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac.data(), &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  std::string hex;
  for (unsigned int i = 0; i < len && hex.size() < kMacDigits; ++i) hex += fmt::format("{:02x}", mac[i]);
  return hex;
}

std::string NonceSigner::make(callback::TimePoint now, std::string_view source) const {
  std::uint32_t salt = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&salt), sizeof salt) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  const std::string stamp = fmt::format("{:016x}{:08x}", static_cast<std::uint64_t>(to_ms(now)), salt);
  return stamp + sign(stamp, source);
}

std::int64_t NonceSigner::issued_ms(std::string_view nonce) {
  std::uint64_t ms = 0;
  if (nonce.size() < kStampDigits) return 0;
  std::from_chars(nonce.data(), nonce.data() + kStampDigits, ms, 16);
  return static_cast<std::int64_t>(ms);
}

NonceCheck NonceSigner::check(std::string_view nonce, callback::TimePoint now,
                              std::string_view source) const {
  if (nonce.size() != kSignedDigits + kMacDigits) return NonceCheck::Invalid;
  const std::string_view stamp = nonce.substr(0, kSignedDigits);
  for (char c : stamp) {
    if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) return NonceCheck::Invalid;
  }
  if (!equal_secret(sign(stamp, source), nonce.substr(kSignedDigits))) return NonceCheck::Invalid;
  const std::int64_t age_ms = to_ms(now) - issued_ms(nonce);
  if (age_ms < -kFutureSlackMs) return NonceCheck::Invalid;
  return age_ms > std::chrono::duration_cast<std::chrono::milliseconds>(ttl_).count() ? NonceCheck::Stale
                                                                                      : NonceCheck::Valid;
}

}  // namespace callbackd::registrar

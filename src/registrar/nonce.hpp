#pragma once
// Stateless digest nonces: "<issue time in ms, 16 hex digits><8 random hex digits>" + HMAC-SHA256(secret,
// those 24 digits "@" source address) truncated to 32 hex digits. Nothing is stored per challenge, so a
// REGISTER flood cannot fill memory; the secret is random per process, so a restart invalidates every nonce
// (phones then get a stale=true challenge).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "callback/job_scheduler.hpp"  // TimePoint

namespace callbackd::registrar {

enum class NonceCheck {
  Valid,
  Stale,    // ours, signed for this source, but older than the TTL: challenge again with stale=true
  Invalid,  // not ours, altered, issued to another address, or from the future
};

class NonceSigner {
 public:
  explicit NonceSigner(std::chrono::seconds ttl);  // a random secret
  NonceSigner(std::string secret, std::chrono::seconds ttl);

  std::string make(callback::TimePoint now, std::string_view source) const;
  NonceCheck check(std::string_view nonce, callback::TimePoint now, std::string_view source) const;
  // The issue time of a nonce that check() found Valid or Stale, in ms since the epoch.
  static std::int64_t issued_ms(std::string_view nonce);

 private:
  std::string sign(std::string_view stamp, std::string_view source) const;

  std::string secret_;
  std::chrono::seconds ttl_;
};

}  // namespace callbackd::registrar

#pragma once
// The registrar (RFC 3261 10.3): answers REGISTER after SIP digest authentication (RFC 2617, MD5,
// qop="auth") against the extension's H(A1), and keeps the bindings in its LocationService. Runs on the
// call-control loop; the H(A1) comes from the store through Ha1Lookup, off the loop.
//
// No enumeration: every failure (unknown extension, wrong password, bad nonce, replay, malformed header)
// gets the same answer as a first request without credentials, a fresh 401 challenge, after the same work
// (a dummy H(A1) stands in for an unknown extension), and is logged as a sip-digest-failed security event.
// Wrong passwords are limited per extension and per source (digest_guard.hpp): beyond the limits the same
// challenge comes back without the credentials being checked.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "registrar/digest.hpp"
#include "registrar/digest_guard.hpp"
#include "registrar/location.hpp"
#include "registrar/nonce.hpp"
#include "sip/sip_stack.hpp"

namespace callbackd::registrar {

struct RegistrarSettings {
  std::string realm;
  std::chrono::seconds nonce_ttl{300};
  int min_expires_s = 60;
  int max_expires_s = 3600;
  DigestGuardSettings guard;  // password guessing: per-extension lockout, per-source limit
};

// Which challenge a request gets: REGISTER is answered by us as its registrar (401, WWW-Authenticate), an
// INVITE from a phone as the B2BUA in its path (407, Proxy-Authenticate), as phones expect of a PBX.
enum class ChallengeKind { Www, Proxy };

// A request to authenticate, as far as digest needs it. Strings are as Sofia parsed them (hostile).
struct DigestRequest {
  std::string method;         // "REGISTER", "INVITE": part of the response hash
  std::string request_uri;    // the digest's uri must be this
  std::string user;           // who it claims to be: a REGISTER's To user, an INVITE's From user
  std::string authorization;  // the raw (Proxy-)Authorization value; empty when absent
  std::string source_ip;
  std::uint16_t source_port = 0;
  ChallengeKind kind = ChallengeKind::Www;
};

// The verdict on a DigestRequest, on the loop, once: `ok` with the extension it proved to be, or the answer
// to send (a fresh challenge, the same for every failure).
struct DigestVerdict {
  bool ok = false;
  std::string extension;
  sip::SipReply reply;
};
using DigestDone = std::function<void(const DigestVerdict&)>;

// Answers with the extension's H(A1), or nullopt when there is no such extension or it has no H(A1) yet;
// `done` runs on the loop, once.
using Ha1Lookup = std::function<void(const std::string& number,
                                     std::function<void(const std::optional<std::string>&)> done)>;

class Registrar {
 public:
  Registrar(RegistrarSettings settings, const callback::ClockSource& clock, Ha1Lookup lookup);
  // For tests: a fixed nonce secret.
  Registrar(RegistrarSettings settings, const callback::ClockSource& clock, Ha1Lookup lookup,
            std::string nonce_secret);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  void handle(const sip::RegisterRequest& req, sip::RegisterResponder respond);
  // SIP digest for any request (REGISTER uses it too), with the no-enumeration rules above: a known and an
  // unknown user get the same challenge after the same work.
  void authenticate(const DigestRequest& req, DigestDone done);

  const LocationService& location() const { return location_; }
  const RegistrarSettings& settings() const { return settings_; }

 private:
  sip::SipReply challenge(const DigestRequest& req, bool stale) const;
  void fail(const DigestRequest& req, const std::string& user, const char* reason,
            const DigestDone& done) const;
  void guessed_wrong(const DigestRequest& req, const std::string& user);
  void verified(const DigestRequest& req, const DigestCredentials& creds, bool stale,
                const std::optional<std::string>& ha1, const DigestDone& done);
  bool fresh_count(const std::string& nonce, const std::string& nc);
  sip::SipReply apply_bindings(const sip::RegisterRequest& req);
  sip::SipReply bindings_reply(const std::string& extension) const;

  RegistrarSettings settings_;
  const callback::ClockSource& clock_;
  Ha1Lookup lookup_;
  NonceSigner nonces_;
  LocationService location_;
  DigestGuard guard_;
  std::string dummy_password_;  // random: the dummy H(A1) of an unknown extension matches no response
  std::map<std::string, std::uint32_t>
      last_nc_;  // per nonce; keys start with the issue time, so oldest first
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace callbackd::registrar

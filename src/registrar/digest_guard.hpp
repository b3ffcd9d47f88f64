#pragma once
// Limits on guessing a SIP digest password, by REGISTER or by a phone's INVITE. Only a guess counts: a
// well-formed response for a nonce of ours that did not prove the password (a restart's stale nonces and
// malformed headers are no guesses, so a NAT full of phones coming back after a restart is not punished).
//  - Per extension (the credentials' username, known or not, so a lockout says nothing about which exist):
//    `lockout_failures` guesses within `lockout_window`, from any addresses, lock its digest for `lockout`.
//    While locked even the right password gets the same fresh challenge, except from an address where the
//    extension holds a live binding: its own phone keeps refreshing while someone elsewhere guesses.
//  - Per source IP: after `source_failures` guesses within `source_window`, credentials from that address
//    are not checked at all until the window has room again, also where a phone is registered (the
//    stranger throttle in sip/source_throttle.hpp trusts such addresses).
// Either way the answer is the challenge every failure gets. Used on the loop thread only.
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "callback/job_scheduler.hpp"  // ClockSource

namespace callbackd::registrar {

struct DigestGuardSettings {
  int lockout_failures = 10;  // 0: no extension lockout
  std::chrono::seconds lockout_window{600};
  std::chrono::seconds lockout{900};
  int source_failures = 5;  // 0: no per-source limit
  std::chrono::seconds source_window{60};
  std::size_t max_tracked = 10000;  // extensions and sources each; beyond, a new one is not tracked
};

class DigestGuard {
 public:
  enum class Gate { Check, SourceThrottled, ExtensionLocked };
  // What one guess changed, for the security events.
  struct Changed {
    bool extension_locked = false;  // this guess locked the extension
    bool source_throttled = false;  // this guess used up the source's allowance
  };

  DigestGuard(DigestGuardSettings settings, const callback::ClockSource& clock);

  // Whether credentials for `user` from `ip` are checked now; `bound_here`: the user has a live binding
  // registered from `ip`.
  Gate gate(const std::string& user, const std::string& ip, bool bound_here);
  Changed guessed_wrong(const std::string& user, const std::string& ip);
  std::size_t tracked() const { return extensions_.size() + sources_.size(); }  // names and addresses kept

 private:
  struct Record {
    std::deque<callback::TimePoint> failures;  // within the window, oldest first
    callback::TimePoint locked_until{};
  };
  using Records = std::unordered_map<std::string, Record>;
  Record* find(Records& records, const std::string& key, std::chrono::seconds window);
  Record* track(Records& records, const std::string& key, std::chrono::seconds window);
  void forget_idle(Records& records, std::chrono::seconds window);

  DigestGuardSettings settings_;
  const callback::ClockSource& clock_;
  Records extensions_;
  Records sources_;
};

}  // namespace callbackd::registrar

#pragma once
// The phone login's lockout: failed logins in a row are counted per caller number and per extension; the
// threshold locks both for a while, so neither a caller trying many extensions nor many callers trying one
// extension get more than a handful of guesses. In memory: a restart forgets lockouts, which lets an attacker
// who can restart the server try again, but such a one has the server already.
#include <chrono>
#include <string>
#include <unordered_map>

#include "pbx/ports.hpp"

namespace callbackd::pbx {

class LoginGuard {
 public:
  LoginGuard(int failures, std::chrono::seconds lock) : failures_(failures), lock_(lock) {}
  void configure(int failures, std::chrono::seconds lock);

  bool locked(const std::string& caller, const std::string& extension, TimePoint now) const;
  // A failed login; true when it locks the caller number and the extension (from now for lock_).
  bool failed(const std::string& caller, const std::string& extension, TimePoint now);
  // A login that succeeded: its caller number and extension start counting from zero.
  void succeeded(const std::string& caller, const std::string& extension);
  std::size_t tracked() const { return entries_.size(); }

 private:
  struct Entry {
    int failures = 0;
    TimePoint locked_until{};
    TimePoint last_failure{};
  };
  bool is_locked(const std::string& key, TimePoint now) const;
  void prune(TimePoint now);

  int failures_;
  std::chrono::seconds lock_;
  std::unordered_map<std::string, Entry> entries_;  // "c:<caller>" and "x:<extension>"
};

}  // namespace callbackd::pbx

#pragma once
// Web management's admin sessions and login throttling: pure logic with an injected clock, so expiry and
// throttling are unit-tested without waiting. Both live in memory: a restart logs every admin out, which is
// the safe direction.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace callbackd::web {

using SteadyTime = std::chrono::steady_clock::time_point;
using NowFn = std::function<SteadyTime()>;

// 32 random bytes from libsodium, as 64 hex characters.
std::string random_token();

struct Session {
  std::string id;    // the cookie's value
  std::string csrf;  // sent back by the page in X-CSRF-Token on every change
  std::string admin;
  SteadyTime last_seen;
};

class SessionTable {
 public:
  explicit SessionTable(std::chrono::seconds idle_timeout, NowFn now = std::chrono::steady_clock::now);

  Session create(const std::string& admin);
  // The live session with this id, its idle timer restarted; nullopt when unknown or idle too long.
  std::optional<Session> touch(const std::string& id);
  void remove(const std::string& id);
  std::size_t size();

 private:
  void drop_expired(SteadyTime now);

  std::chrono::seconds idle_;
  NowFn now_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;
};

// Compares without leaking the expected token's content through timing.
bool csrf_matches(const Session& s, std::string_view given);

// Refuses logins once an address or an account has had `max_failures` failures within `window`, until the
// oldest of them leaves the window. Per address stops one client guessing many accounts; per account stops
// many clients guessing one.
class LoginThrottle {
 public:
  LoginThrottle(int max_failures, std::chrono::seconds window, NowFn now = std::chrono::steady_clock::now);

  // Zero when a login may be tried now, else how long to wait.
  std::chrono::seconds retry_after(const std::string& address, const std::string& account);
  void failed(const std::string& address, const std::string& account);
  void succeeded(const std::string& account);  // the address keeps its count: it may be guessing others

  struct Lockout {
    std::string kind;  // "address" or "account"
    std::string who;
    std::chrono::seconds retry_after;
  };
  std::vector<Lockout> lockouts();  // every address and account refused right now (the dashboard shows them)

 private:
  using Failures = std::vector<SteadyTime>;
  std::chrono::seconds wait_for(Failures& f, SteadyTime now) const;
  void prune(SteadyTime now);

  int max_failures_;
  std::chrono::seconds window_;
  NowFn now_;
  std::mutex mu_;
  std::unordered_map<std::string, Failures> by_address_;
  std::unordered_map<std::string, Failures> by_account_;
};

}  // namespace callbackd::web

#include "web/session.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace callbackd::web {
namespace {

// Beyond this many live sessions the oldest-idle go first: a flood of logins cannot exhaust memory.
constexpr std::size_t kMaxSessions = 1000;
// Throttle maps are pruned beyond this many keys, so that many addresses cannot exhaust memory either.
constexpr std::size_t kMaxThrottleKeys = 10000;

}  // namespace

std::string random_token() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
  std::array<unsigned char, 32> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  return std::string(hex.data());
}

SessionTable::SessionTable(std::chrono::seconds idle_timeout, NowFn now)
    : idle_(idle_timeout), now_(std::move(now)) {}

Session SessionTable::create(const std::string& admin) {
  const auto now = now_();
  Session s{random_token(), random_token(), admin, now};
  std::lock_guard lock(mu_);
  drop_expired(now);
  if (sessions_.size() >= kMaxSessions) {
    const auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
    sessions_.erase(oldest);
  }
  sessions_.emplace(s.id, s);
  return s;
}

std::optional<Session> SessionTable::touch(const std::string& id) {
  const auto now = now_();
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_seen >= idle_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

void SessionTable::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

std::size_t SessionTable::size() {
  std::lock_guard lock(mu_);
  drop_expired(now_());
  return sessions_.size();
}

void SessionTable::drop_expired(SteadyTime now) {
  std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.last_seen >= idle_; });
}

bool csrf_matches(const Session& s, std::string_view given) {
  if (s.csrf.empty() || given.size() != s.csrf.size()) return false;
  return sodium_memcmp(s.csrf.data(), given.data(), given.size()) == 0;
}

LoginThrottle::LoginThrottle(int max_failures, std::chrono::seconds window, NowFn now)
    : max_failures_(max_failures), window_(window), now_(std::move(now)) {}

std::chrono::seconds LoginThrottle::wait_for(Failures& f, SteadyTime now) const {
  std::erase_if(f, [&](SteadyTime t) { return now - t >= window_; });
  if (static_cast<int>(f.size()) < max_failures_) return std::chrono::seconds(0);
  const auto left = std::chrono::ceil<std::chrono::seconds>(f.front() + window_ - now);
  return std::max(left, std::chrono::seconds(1));
}

std::chrono::seconds LoginThrottle::retry_after(const std::string& address, const std::string& account) {
  const auto now = now_();
  std::lock_guard lock(mu_);
  auto wait = std::chrono::seconds(0);
  if (auto it = by_address_.find(address); it != by_address_.end()) wait = wait_for(it->second, now);
  if (auto it = by_account_.find(account); it != by_account_.end())
    wait = std::max(wait, wait_for(it->second, now));
  return wait;
}

void LoginThrottle::failed(const std::string& address, const std::string& account) {
  const auto now = now_();
  std::lock_guard lock(mu_);
  prune(now);
  by_address_[address].push_back(now);
  by_account_[account].push_back(now);
}

void LoginThrottle::succeeded(const std::string& account) {
  std::lock_guard lock(mu_);
  by_account_.erase(account);
}

std::vector<LoginThrottle::Lockout> LoginThrottle::lockouts() {
  const auto now = now_();
  std::lock_guard lock(mu_);
  std::vector<Lockout> out;
  for (const auto& [kind, map] : {std::pair{"address", &by_address_}, std::pair{"account", &by_account_}}) {
    for (auto& [who, failures] : *map) {
      if (const auto wait = wait_for(failures, now); wait.count() > 0) out.push_back({kind, who, wait});
    }
  }
  return out;
}

void LoginThrottle::prune(SteadyTime now) {
  for (auto* map : {&by_address_, &by_account_}) {
    if (map->size() < kMaxThrottleKeys) continue;
    for (auto it = map->begin(); it != map->end();) {
      std::erase_if(it->second, [&](SteadyTime t) { return now - t >= window_; });
      it = it->second.empty() ? map->erase(it) : std::next(it);
    }
  }
}

}  // namespace callbackd::web

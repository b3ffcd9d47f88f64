#include "pbx/login_guard.hpp"

#include <algorithm>
#include <initializer_list>

namespace callbackd::pbx {
namespace {

// Wrong guesses are cheap to send; the table of who guessed must not grow with them.
constexpr std::size_t kMaxTracked = 10000;

std::string caller_key(const std::string& caller) {
  return "c:" + caller;
}
std::string extension_key(const std::string& extension) {
  return "x:" + extension;
}

}  // namespace

void LoginGuard::configure(int failures, std::chrono::seconds lock) {
  failures_ = failures;
  lock_ = lock;
}

bool LoginGuard::is_locked(const std::string& key, TimePoint now) const {
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.locked_until > now;
}

bool LoginGuard::locked(const std::string& caller, const std::string& extension, TimePoint now) const {
  return (!caller.empty() && is_locked(caller_key(caller), now)) ||
         (!extension.empty() && is_locked(extension_key(extension), now));
}

bool LoginGuard::failed(const std::string& caller, const std::string& extension, TimePoint now) {
  if (entries_.size() >= kMaxTracked) prune(now);
  bool lock = false;
  for (const auto& key : {caller_key(caller), extension_key(extension)}) {
    Entry& e = entries_[key];
    if (e.locked_until != TimePoint{} && e.locked_until <= now) e = {};  // a served lockout starts over
    e.last_failure = now;
    if (++e.failures >= failures_) lock = true;
  }
  if (lock) {
    for (const auto& key : {caller_key(caller), extension_key(extension)}) {
      entries_[key] = {0, now + lock_, now};
    }
  }
  return lock;
}

void LoginGuard::succeeded(const std::string& caller, const std::string& extension) {
  entries_.erase(caller_key(caller));
  entries_.erase(extension_key(extension));
}

void LoginGuard::prune(TimePoint now) {
  // Counts of failures go, lockouts stay: a flood of wrong guesses can reset counters, never free a lock.
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.locked_until <= now; });
}

}  // namespace callbackd::pbx

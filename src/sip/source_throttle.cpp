#include "sip/source_throttle.hpp"

#include <algorithm>

#include "callback/security_event.hpp"

namespace callbackd::sip {
namespace {
constexpr std::chrono::minutes kLogEvery{1};
}  // namespace

SourceThrottle::SourceThrottle(ThrottleSettings settings, Trusted trusted)
    : settings_(settings), trusted_(std::move(trusted)) {}

void SourceThrottle::refill(Bucket& b, Clock::time_point now) const {
  const std::chrono::duration<double> idle = now - b.refilled;
  b.tokens = std::min(settings_.burst, b.tokens + std::max(idle.count(), 0.0) * settings_.rate);
  b.refilled = now;
}

SourceThrottle::Bucket* SourceThrottle::bucket(const std::string& ip, Clock::time_point now) {
  if (auto it = buckets_.find(ip); it != buckets_.end()) return &it->second;
  if (buckets_.size() >= settings_.max_sources) {
    // A full bucket that logged nothing lately says no more than a fresh one would: forget those.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      Bucket& b = it->second;
      refill(b, now);
      const bool quiet = !b.ever_logged || now - b.logged >= kLogEvery;
      it = b.tokens >= settings_.burst && quiet ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() >= settings_.max_sources) return nullptr;
  }
  return &buckets_.emplace(ip, Bucket{settings_.burst, now, {}, false, 0}).first->second;
}

bool SourceThrottle::admit(const std::string& ip, Clock::time_point now) {
  if (settings_.rate <= 0) return true;
  Bucket* b = bucket(ip, now);
  if (b != nullptr) {
    refill(*b, now);
    if (b->tokens >= 1) {
      b->tokens -= 1;
      return true;
    }
  }
  if (trusted_ && trusted_(ip)) return true;
  return refuse(ip, b, now);
}

bool SourceThrottle::refuse(const std::string& ip, Bucket* b, Clock::time_point now) {
  dropped_.fetch_add(1, std::memory_order_relaxed);
  if (b == nullptr) return false;  // every bucket is busy: an address flood, logged by its first sources
  ++b->unlogged;
  if (b->ever_logged && now - b->logged < kLogEvery) return false;
  callback::log_security_event(callback::SecurityEvent::SipThrottled, ip,
                               {{"refused", std::to_string(b->unlogged)},
                                {"rate", std::to_string(static_cast<long long>(settings_.rate))},
                                {"burst", std::to_string(static_cast<long long>(settings_.burst))}});
  b->logged = now;
  b->ever_logged = true;
  b->unlogged = 0;
  return false;
}

}  // namespace callbackd::sip

#pragma once
// Per-source throttling of unauthenticated SIP: a token bucket per source IP for INVITEs and REGISTERs from
// hosts that are neither a line's gateway nor a registered extension. It runs first, before the stack's
// request reaches the registrar or the call core, so a scanner's flood costs a map lookup and a bare 403
// instead of a digest challenge, a log line or a call. Trusted hosts are looked up only once their bucket is
// empty, so ordinary traffic never pays for the lookup. Used on the loop thread, except dropped().
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace callbackd::sip {

struct ThrottleSettings {
  double rate = 20;                 // tokens per second per source; 0: no throttling
  double burst = 100;               // the bucket's size: requests a new source may send at once
  std::size_t max_sources = 10000;  // buckets kept; beyond, idle ones are dropped, then new strangers wait
};

class SourceThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  using Trusted = std::function<bool(const std::string& ip)>;

  SourceThrottle(ThrottleSettings settings, Trusted trusted);
  void trust(Trusted trusted) { trusted_ = std::move(trusted); }

  // Whether a new request from `ip` goes on. A refused one is counted, and logged as a security event the
  // first time and then at most once a minute per source, with the count since the last line.
  bool admit(const std::string& ip, Clock::time_point now);
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }  // any thread
  std::size_t sources() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled;
    Clock::time_point logged;  // the last security event for this source
    bool ever_logged = false;
    std::uint64_t unlogged = 0;  // refused since that line
  };
  Bucket* bucket(const std::string& ip, Clock::time_point now);
  void refill(Bucket& b, Clock::time_point now) const;
  bool refuse(const std::string& ip, Bucket* b, Clock::time_point now);

  ThrottleSettings settings_;
  Trusted trusted_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace callbackd::sip

#pragma once
// Per-caller caps on relayed calls: how many a trusted caller may place in the last hour and the last day
// ([policy] max_relay_calls_per_hour / max_relay_calls_per_day). A stolen or guessed login is the worst case
// of toll fraud; the caps bound what it can cost before an admin notices the security event. Kept in memory
// on the call-control thread: a restart forgets the counts, which an attacker at the keypad cannot cause.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace callbackd::pbx {

class RelayCaps {
 public:
  enum class Window { Hour, Day };

  // 0: no cap for that window.
  void set_limits(int per_hour, int per_day) {
    per_hour_ = per_hour;
    per_day_ = per_day;
  }
  // The window whose cap `caller` has reached at `now_s` (unix seconds), or nullopt when one more relayed
  // call is allowed.
  std::optional<Window> reached(const std::string& caller, std::int64_t now_s);
  // One relayed call placed by `caller` (its INVITE left) at `now_s`.
  void placed(const std::string& caller, std::int64_t now_s);

 private:
  void forget_before(std::deque<std::int64_t>& times, std::int64_t now_s) const;

  int per_hour_ = 0;
  int per_day_ = 0;
  std::map<std::string, std::deque<std::int64_t>> placed_;  // per caller, oldest first, the last day only
};

std::string_view to_string(RelayCaps::Window w);

}  // namespace callbackd::pbx

#include "pbx/relay_caps.hpp"

#include <algorithm>

namespace callbackd::pbx {
namespace {

constexpr std::int64_t kHourS = 3600;
constexpr std::int64_t kDayS = 86400;

}  // namespace

std::string_view to_string(RelayCaps::Window w) {
  return w == RelayCaps::Window::Hour ? "hour" : "day";
}

void RelayCaps::forget_before(std::deque<std::int64_t>& times, std::int64_t now_s) const {
  while (!times.empty() && times.front() <= now_s - kDayS) times.pop_front();
}

std::optional<RelayCaps::Window> RelayCaps::reached(const std::string& caller, std::int64_t now_s) {
  auto it = placed_.find(caller);
  if (it == placed_.end()) return std::nullopt;
  forget_before(it->second, now_s);
  const auto& times = it->second;
  if (times.empty()) {
    placed_.erase(it);  // the map holds only callers with a relayed call in the last day
    return std::nullopt;
  }
  if (per_day_ > 0 && std::ssize(times) >= per_day_) return Window::Day;
  const auto last_hour =
      std::count_if(times.begin(), times.end(), [now_s](std::int64_t t) { return t > now_s - kHourS; });
  if (per_hour_ > 0 && last_hour >= per_hour_) return Window::Hour;
  return std::nullopt;
}

void RelayCaps::placed(const std::string& caller, std::int64_t now_s) {
  auto& times = placed_[caller];
  forget_before(times, now_s);
  times.push_back(now_s);
  // Bounded by the larger cap: older entries can no longer decide anything.
  const auto keep = static_cast<std::size_t>(std::max({per_hour_, per_day_, 1}));
  while (times.size() > keep) times.pop_front();
}

}  // namespace callbackd::pbx

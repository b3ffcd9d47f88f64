#pragma once
// Due times of pending callback jobs. Pure logic with an injected clock, so it is tested without waiting; the
// call-control thread arms one timer for next_due() rather than sleeping in a loop.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace callbackd::callback {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

class ClockSource {
 public:
  virtual ~ClockSource() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public ClockSource {
 public:
  TimePoint now() const override { return Clock::now(); }
};

class JobScheduler {
 public:
  void add(std::int64_t job_id, TimePoint due);  // re-adding a job moves it
  bool remove(std::int64_t job_id);
  std::vector<std::int64_t> take_due(TimePoint now);  // due jobs, earliest first, removed from the queue
  std::optional<TimePoint> next_due() const;
  std::size_t size() const { return by_due_.size(); }

 private:
  std::set<std::pair<TimePoint, std::int64_t>> by_due_;
  std::unordered_map<std::int64_t, TimePoint> due_of_;  // job id -> its key in by_due_, for O(log n) remove
};

}  // namespace callbackd::callback

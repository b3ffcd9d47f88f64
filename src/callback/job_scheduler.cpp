#include "callback/job_scheduler.hpp"

namespace callbackd::callback {

void JobScheduler::add(std::int64_t job_id, TimePoint due) {
  remove(job_id);
  by_due_.emplace(due, job_id);
  due_of_.emplace(job_id, due);
}

bool JobScheduler::remove(std::int64_t job_id) {
  const auto it = due_of_.find(job_id);
  if (it == due_of_.end()) return false;
  by_due_.erase({it->second, job_id});
  due_of_.erase(it);
  return true;
}

std::vector<std::int64_t> JobScheduler::take_due(TimePoint now) {
  std::vector<std::int64_t> due;
  while (!by_due_.empty() && by_due_.begin()->first <= now) {
    const auto id = by_due_.begin()->second;
    by_due_.erase(by_due_.begin());
    due_of_.erase(id);
    due.push_back(id);
  }
  return due;
}

std::optional<TimePoint> JobScheduler::next_due() const {
  if (by_due_.empty()) return std::nullopt;
  return by_due_.begin()->first;
}

}  // namespace callbackd::callback

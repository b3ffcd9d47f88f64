#include "pbx/job_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace callbackd::pbx {
namespace {

// A job the store refused is offered to it again this often; a job waiting for a line looks again this often.
constexpr std::chrono::seconds kStoreRetry{2};
constexpr std::chrono::seconds kLineRetry{1};

}  // namespace

const char* to_string(JobEvent e) {
  switch (e) {
    case JobEvent::Recovered:
      return "recovered";
    case JobEvent::Claimed:
      return "claimed";
    case JobEvent::Answered:
      return "answered";
    case JobEvent::AttemptFailed:
      return "attempt failed";
    case JobEvent::Retry:
      return "retry";
    case JobEvent::Cancelled:
      return "cancelled";
    case JobEvent::Interrupted:
      return "interrupted";
  }
  return "?";
}

JobRunner::JobRunner(Loop& loop, store::Store& store, const Clock& clock, const CallbackSettings& settings,
                     JobDialer& dialer)
    : store_(store),
      clock_(clock),
      settings_(settings),
      dialer_(dialer),
      due_timer_(loop),
      unsaved_timer_(loop) {}

store::UnixTime JobRunner::now_unix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

bool JobRunner::move(std::int64_t id, store::JobState from, store::JobState to, JobEvent event,
                     const std::string& result) {
  const bool moved = to == store::JobState::Pending && from == store::JobState::Dialing
                         ? store_.reschedule_job(id, now_unix() + settings_.retry_delay_s, result)
                         : store_.transition_job(id, from, to, result);
  if (!moved) {
    spdlog::info("job {}: {} refused, no longer {}", id, to_string(event), store::to_string(from));
    return false;
  }
  const auto attempt = in_flight_.find(id);
  spdlog::info("job {}: {} -> {} ({}{}{})", id, store::to_string(from), store::to_string(to),
               to_string(event),
               attempt != in_flight_.end() ? ", attempt " + std::to_string(attempt->second) : "",
               result.empty() ? "" : ": " + result);
  return true;
}

void JobRunner::start() {
  for (const auto& job : store_.jobs_in_state(store::JobState::Dialing)) {
    // A previous run stopped while this job was dialing: whether the callee was reached is unknown, so a job
    // with attempts left is dialed again and one without is recorded as failed.
    if (job.attempts < settings_.max_attempts) {
      store_.reschedule_job(job.id, now_unix(), "interrupted by restart");
      spdlog::info("job {}: dialing -> pending ({})", job.id, to_string(JobEvent::Recovered));
    } else {
      move(job.id, store::JobState::Dialing, store::JobState::Failed, JobEvent::Recovered,
           "failed: interrupted by restart");
    }
  }
  for (const auto& job : store_.jobs_in_state(store::JobState::Pending)) {
    due_.add(job.id, callback::TimePoint(std::chrono::seconds(job.due_at)));
  }
  if (due_.size() > 0) spdlog::info("callback: {} pending job(s) loaded", due_.size());
  arm();
}

std::optional<std::int64_t> JobRunner::submit(const store::CallbackJob& job) {
  try {
    const auto stored = store_.create_job(job);
    const auto wait = std::chrono::seconds(std::max<store::UnixTime>(stored.due_at - now_unix(), 0));
    spdlog::info("job {}: stored for '{}', due in {} s", stored.id, stored.caller, wait.count());
    schedule(stored.id, wait);
    return stored.id;
  } catch (const store::StoreError& e) {
    // The trigger was real and the caller has hung up: keep the job in memory and store it when the database
    // is back (a locked or full disk), rather than lose the callback.
    spdlog::error("callback for '{}' not stored yet, storage unavailable ({}); retrying every {} s",
                  job.caller, e.what(), kStoreRetry.count());
    unsaved_.push_back(job);
    if (!unsaved_timer_.armed()) unsaved_timer_.start(kStoreRetry, [this] { retry_unsaved(); });
    return std::nullopt;
  }
}

void JobRunner::retry_unsaved() {
  for (const auto& job : std::exchange(unsaved_, {})) submit(job);
}

bool JobRunner::has_unsaved_for(const std::string& caller) const {
  return std::any_of(unsaved_.begin(), unsaved_.end(), [&](const auto& j) { return j.caller == caller; });
}

void JobRunner::schedule(std::int64_t id, std::chrono::milliseconds after) {
  due_.add(id, clock_.now() + after);
  arm();
}

void JobRunner::arm() {
  due_timer_.cancel();
  const auto due = due_.next_due();
  if (!due || stopping_) return;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*due - clock_.now());
  due_timer_.start(std::max(wait, std::chrono::milliseconds(0)), [this] { run_due(); });
}

void JobRunner::run_due() {
  for (auto id : due_.take_due(clock_.now())) {
    try {
      attempt(id);
    } catch (const std::exception& e) {
      spdlog::error("job {}: not dialed: {}", id, e.what());
    }
  }
  arm();
}

bool JobRunner::wait_for_line(const store::CallbackJob& job) {
  if (!dialer_.waits_for_line(job)) return false;
  if (now_unix() - job.due_at >= settings_.line_wait_s) return false;  // waited long enough: try and fail
  // An FXO line carries one call at a time: wait for it rather than spend an attempt on a line that is busy.
  if (waiting_for_line_.insert(job.id).second) {
    spdlog::info("job {}: every line is busy, waiting up to {} s for a free one", job.id,
                 settings_.line_wait_s);
  }
  schedule(job.id, kLineRetry);
  return true;
}

void JobRunner::attempt(std::int64_t id) {
  const auto pending = store_.get_job(id);
  if (!pending || pending->state != store::JobState::Pending) return;
  if (wait_for_line(*pending)) return;
  waiting_for_line_.erase(id);
  in_flight_[id] = pending->attempts + 1;
  // The claim is the store's compare-and-set: a job an admin cancelled meanwhile is skipped here.
  if (!move(id, store::JobState::Pending, store::JobState::Dialing, JobEvent::Claimed, "dialing")) {
    in_flight_.erase(id);
    return;
  }
  const auto job = store_.get_job(id);
  if (!job) return;
  if (auto why = dialer_.dial(*job)) attempt_failed(id, *why);
}

void JobRunner::answered(std::int64_t job_id, bool media_ok) {
  if (!in_flight_.contains(job_id)) return;
  move(job_id, store::JobState::Dialing, media_ok ? store::JobState::Answered : store::JobState::Failed,
       JobEvent::Answered, media_ok ? "answered" : "failed: no acceptable SDP answer");
  in_flight_.erase(job_id);
}

void JobRunner::attempt_failed(std::int64_t job_id, const std::string& outcome) {
  const auto it = in_flight_.find(job_id);
  if (it == in_flight_.end()) return;
  const int attempt = it->second;
  if (attempt < settings_.max_attempts && !stopping_) {
    if (move(job_id, store::JobState::Dialing, store::JobState::Pending, JobEvent::Retry, outcome)) {
      spdlog::info("job {}: attempt {} {}, retry in {} s", job_id, attempt, outcome, settings_.retry_delay_s);
      in_flight_.erase(job_id);
      schedule(job_id, std::chrono::seconds(settings_.retry_delay_s));
    }
  } else {
    move(job_id, store::JobState::Dialing, store::JobState::Failed, JobEvent::AttemptFailed, outcome);
  }
  in_flight_.erase(job_id);
}

void JobRunner::cancelled(std::int64_t job_id) {
  waiting_for_line_.erase(job_id);
  if (due_.remove(job_id)) {
    spdlog::info("job {}: {} by an admin, not dialed", job_id, to_string(JobEvent::Cancelled));
    arm();
  }
}

void JobRunner::shutdown() {
  stopping_ = true;
  due_timer_.cancel();
  for (const auto& [id, attempt] : in_flight_) {
    // Not answered yet: the job goes back to pending, due now, so the next start dials it again.
    if (store_.reschedule_job(id, now_unix(), "interrupted by shutdown")) {
      spdlog::info("job {}: dialing -> pending ({}, attempt {})", id, to_string(JobEvent::Interrupted),
                   attempt);
    }
  }
  in_flight_.clear();
  for (const auto& job : unsaved_)
    spdlog::error("callback for '{}' lost: never stored before shutdown", job.caller);
}

}  // namespace callbackd::pbx

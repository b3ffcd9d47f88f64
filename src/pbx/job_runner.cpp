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

JobRunner::JobRunner(Loop& loop, StorePort& store, const Clock& clock, const CallbackSettings& settings,
                     JobDialer& dialer)
    : loop_(loop),
      store_(store),
      clock_(clock),
      settings_(settings),
      dialer_(dialer),
      due_timer_(loop),
      unsaved_timer_(loop) {}

store::UnixTime JobRunner::now_unix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

void JobRunner::move(std::int64_t id, store::JobState from, store::JobState to, JobEvent event,
                     const std::string& result, Moved then, int retry_in_s) {
  const bool retry = to == store::JobState::Pending && from == store::JobState::Dialing;
  const store::UnixTime due = now_unix() + retry_in_s;
  const auto attempt = in_flight_.find(id);
  const std::string of_attempt =
      attempt != in_flight_.end() ? ", attempt " + std::to_string(attempt->second) : "";
  store_.ask(
      [=](store::Store& s) {
        return retry ? s.reschedule_job(id, due, result) : s.transition_job(id, from, to, result);
      },
      guarded([=, this, then = std::move(then)](const store::StoreOutcome<bool>& out) {
        if (!out.ok()) {
          // The row still says `from`: the move is made again once the database takes writes.
          spdlog::error("job {}: {} not stored ({}); trying again in {} s", id, to_string(event), out.error,
                        kStoreRetry.count());
          later([=, this] { move(id, from, to, event, result, then, retry_in_s); });
          return;
        }
        const bool moved = *out.value;
        if (!moved) {
          spdlog::info("job {}: {} refused, no longer {}", id, to_string(event), store::to_string(from));
        } else {
          spdlog::info("job {}: {} -> {} ({}{}{})", id, store::to_string(from), store::to_string(to),
                       to_string(event), of_attempt, result.empty() ? "" : ": " + result);
        }
        if (then) then(moved);
      }));
}

void JobRunner::later(std::function<void()> fn) {
  loop_.start_timer(kStoreRetry, [alive = alive_, fn = std::move(fn)] {
    if (*alive) fn();
  });
}

void JobRunner::start() {
  const int max_attempts = settings_.max_attempts;
  const store::UnixTime now = now_unix();
  // The attempt a crash left dialing may still be alive at the far end: its INVITE rings there until the far
  // end gives up, and an answer is retransmitted for 32 s. Dialling again only after crash_settle_s means a
  // callee is never rung twice at once for one job.
  const store::UnixTime settled = now + settings_.crash_settle_s;
  store_.ask(
      [=](store::Store& s) {
        for (const auto& job : s.jobs_in_state(store::JobState::Dialing)) {
          // A previous run stopped while this job was dialing: whether the callee was reached is unknown, so
          // a job with attempts left is dialed again and one without is recorded as failed.
          if (job.attempts < max_attempts) {
            s.reschedule_job(job.id, settled, "interrupted by restart");
            spdlog::info(
                "job {}: dialing -> pending ({}; next attempt in {} s, once the one in flight at the "
                "crash has ended)",
                job.id, to_string(JobEvent::Recovered), settled - now);
          } else if (s.transition_job(job.id, store::JobState::Dialing, store::JobState::Failed,
                                      "failed: interrupted by restart")) {
            spdlog::info("job {}: dialing -> failed ({}: failed: interrupted by restart)", job.id,
                         to_string(JobEvent::Recovered));
          }
        }
        return s.jobs_in_state(store::JobState::Pending);
      },
      guarded([this](const store::StoreOutcome<std::vector<store::CallbackJob>>& out) {
        if (!out.ok()) {
          spdlog::error("callback: pending jobs not loaded: {}", out.error);
          return;
        }
        loaded(*out.value);
      }));
}

void JobRunner::loaded(const std::vector<store::CallbackJob>& pending) {
  for (const auto& job : pending) {
    known_[job.id] = job;
    due_.add(job.id, callback::TimePoint(std::chrono::seconds(job.due_at)));
  }
  if (!pending.empty()) spdlog::info("callback: {} pending job(s) loaded", pending.size());
  arm();
}

void JobRunner::adopt(const store::CallbackJob& job, std::optional<int> line_wait_s) {
  if (line_wait_s) line_wait_s_[job.id] = *line_wait_s;
  const auto wait = std::chrono::seconds(std::max<store::UnixTime>(job.due_at - now_unix(), 0));
  spdlog::info("job {}: stored for '{}', due in {} s", job.id, job.caller, wait.count());
  if (stopping_) return;  // stored as pending: the next start dials it
  schedule(job, wait);
}

void JobRunner::keep_unsaved(const store::CallbackJob& job, const std::string& why) {
  spdlog::error("callback for '{}' not stored yet, storage unavailable ({}); retrying every {} s", job.caller,
                why, kStoreRetry.count());
  unsaved_.emplace(next_unsaved_++, job);
  if (!unsaved_timer_.armed() && !storing_unsaved_)
    unsaved_timer_.start(kStoreRetry, [this] { retry_unsaved(); });
}

void JobRunner::retry_unsaved() {
  if (unsaved_.empty() || stopping_) return;
  storing_unsaved_ = true;
  std::vector<std::pair<std::uint64_t, store::CallbackJob>> batch(unsaved_.begin(), unsaved_.end());
  store_.ask(
      [batch](store::Store& s) {
        // In order. A refusal fails the whole call, and its savepoint undoes the jobs stored before it, so
        // the next retry stores none of them twice.
        std::vector<std::pair<std::uint64_t, store::CallbackJob>> stored;
        stored.reserve(batch.size());
        for (const auto& [key, job] : batch) stored.emplace_back(key, s.create_job(job));
        return stored;
      },
      guarded(
          [this](const store::StoreOutcome<std::vector<std::pair<std::uint64_t, store::CallbackJob>>>& out) {
            storing_unsaved_ = false;
            if (out.ok()) {
              for (const auto& [key, job] : *out.value) {
                unsaved_.erase(key);
                adopt(job);
              }
            } else {
              spdlog::error("callback: {} job(s) still not stored ({}); retrying in {} s", unsaved_.size(),
                            out.error, kStoreRetry.count());
            }
            if (!unsaved_.empty() && !stopping_)
              unsaved_timer_.start(kStoreRetry, [this] { retry_unsaved(); });
          }));
}

bool JobRunner::has_unsaved_for(const std::string& caller) const {
  return std::any_of(unsaved_.begin(), unsaved_.end(),
                     [&](const auto& u) { return u.second.caller == caller; });
}

void JobRunner::schedule(const store::CallbackJob& job, std::chrono::milliseconds after) {
  known_[job.id] = job;
  due_.add(job.id, clock_.now() + after);
  arm();
}

void JobRunner::forget(std::int64_t id) {
  known_.erase(id);
  line_wait_s_.erase(id);
}

void JobRunner::arm() {
  due_timer_.cancel();
  const auto due = due_.next_due();
  if (!due || stopping_ || holding_) return;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*due - clock_.now());
  due_timer_.start(std::max(wait, std::chrono::milliseconds(0)), [this] { run_due(); });
}

void JobRunner::run_due() {
  for (auto id : due_.take_due(clock_.now())) attempt(id);
  arm();
}

bool JobRunner::wait_for_line(const store::CallbackJob& job) {
  if (!dialer_.waits_for_line(job)) return false;
  const auto own = line_wait_s_.find(job.id);
  const int limit_s = own != line_wait_s_.end() ? own->second : settings_.line_wait_s;
  if (now_unix() - job.due_at >= limit_s) return false;  // waited long enough: try and fail
  // An FXO line carries one call at a time: wait for it rather than spend an attempt on a line that is busy.
  if (waiting_for_line_.insert(job.id).second) {
    spdlog::info("job {}: every line is busy, waiting up to {} s for a free one", job.id, limit_s);
  }
  due_.add(job.id, clock_.now() + kLineRetry);
  return true;
}

void JobRunner::attempt(std::int64_t id) {
  const auto known = known_.find(id);
  if (known == known_.end()) return;
  if (in_flight_.size() >= static_cast<std::size_t>(settings_.max_concurrent)) {
    // Not an attempt: it stays pending and is looked at again, however long the others take.
    if (waiting_for_slot_.insert(id).second) {
      spdlog::info("job {}: {} callbacks dialing (callback.max_concurrent), waiting", id, in_flight_.size());
    }
    due_.add(id, clock_.now() + kLineRetry);
    return;
  }
  waiting_for_slot_.erase(id);
  if (wait_for_line(known->second)) return;
  waiting_for_line_.erase(id);
  in_flight_[id] = known->second.attempts + 1;
  // The claim is the store's compare-and-set: a job an admin cancelled meanwhile is skipped here. The row
  // read back in the same call carries the attempt count the claim gave it.
  store_.ask(
      [id](store::Store& s) -> std::optional<store::CallbackJob> {
        if (!s.transition_job(id, store::JobState::Pending, store::JobState::Dialing, "dialing"))
          return std::nullopt;
        return s.get_job(id);
      },
      guarded([this, id](const store::StoreOutcome<std::optional<store::CallbackJob>>& out) {
        if (!out.ok()) {
          // Still pending in the database: claimed again once it takes writes.
          spdlog::error("job {}: not claimed, storage unavailable ({}); trying again in {} s", id, out.error,
                        kStoreRetry.count());
          in_flight_.erase(id);
          due_.add(id, clock_.now() + kStoreRetry);
          arm();
          return;
        }
        claimed(id, *out.value);
      }));
}

void JobRunner::claimed(std::int64_t id, const std::optional<store::CallbackJob>& job) {
  if (!job) {
    spdlog::info("job {}: {} refused, no longer pending", id, to_string(JobEvent::Claimed));
    in_flight_.erase(id);
    forget(id);
    return;
  }
  known_[id] = *job;
  if (stopping_) {
    // Claimed while we were stopping: back to pending, for the next start.
    in_flight_.erase(id);
    forget(id);
    move(id, store::JobState::Dialing, store::JobState::Pending, JobEvent::Interrupted,
         "interrupted by shutdown");
    return;
  }
  spdlog::info("job {}: pending -> dialing ({}, attempt {})", id, to_string(JobEvent::Claimed),
               job->attempts);
  if (auto why = dialer_.dial(*job)) attempt_failed(id, *why);
}

void JobRunner::answered(std::int64_t job_id, bool media_ok) {
  if (!in_flight_.contains(job_id)) return;
  move(job_id, store::JobState::Dialing, media_ok ? store::JobState::Answered : store::JobState::Failed,
       JobEvent::Answered, media_ok ? "answered" : "failed: no acceptable SDP answer");
  in_flight_.erase(job_id);
  forget(job_id);
}

int JobRunner::retry_delay_s(RetryClass retry, int attempt) const {
  if (retry != RetryClass::WithBackoff) return settings_.retry_delay_s;
  // A gateway that is down or overloaded is given more time after each failure: retry_delay_s, 2x, 4x, ...
  const std::int64_t backoff = std::int64_t{settings_.retry_delay_s} << std::min(attempt - 1, 20);
  return static_cast<int>(std::min<std::int64_t>(backoff, settings_.retry_backoff_max_s));
}

void JobRunner::attempt_failed(std::int64_t job_id, const EndCause& cause) {
  const auto it = in_flight_.find(job_id);
  if (it == in_flight_.end()) return;
  const int attempt = it->second;
  const std::string outcome = describe(cause);
  const RetryClass retry = retry_class(cause);
  if (attempt < settings_.max_attempts && retry != RetryClass::Never && !stopping_) {
    const int delay_s = retry_delay_s(retry, attempt);
    move(
        job_id, store::JobState::Dialing, store::JobState::Pending, JobEvent::Retry, outcome,
        [this, job_id, attempt, outcome, delay_s](bool moved) {
          const auto known = known_.find(job_id);
          if (!moved || stopping_ || known == known_.end()) return;
          spdlog::info("job {}: attempt {} {}, retry in {} s", job_id, attempt, outcome, delay_s);
          known->second.state = store::JobState::Pending;
          known->second.due_at = now_unix() + delay_s;
          schedule(known->second, std::chrono::seconds(delay_s));
        },
        delay_s);
  } else {
    if (retry == RetryClass::Never && attempt < settings_.max_attempts) {
      spdlog::info("job {}: attempt {} {}: not retried, it would fail the same way", job_id, attempt,
                   outcome);
    }
    move(job_id, store::JobState::Dialing, store::JobState::Failed, JobEvent::AttemptFailed, outcome);
    forget(job_id);
  }
  in_flight_.erase(job_id);
}

void JobRunner::cancelled(std::int64_t job_id) {
  waiting_for_line_.erase(job_id);
  waiting_for_slot_.erase(job_id);
  if (due_.remove(job_id)) {
    forget(job_id);
    spdlog::info("job {}: {} by an admin, not dialed", job_id, to_string(JobEvent::Cancelled));
    arm();
  }
}

void JobRunner::hold() {
  holding_ = true;
  due_timer_.cancel();
}

void JobRunner::shutdown() {
  stopping_ = true;
  due_timer_.cancel();
  unsaved_timer_.cancel();
  for (const auto& flight : in_flight_) {
    // Not answered yet: the job goes back to pending, due now, so the next start dials it again.
    const std::int64_t id = flight.first;
    const int attempt = flight.second;
    const store::UnixTime now = now_unix();
    store_.ask([id, now](store::Store& s) { return s.reschedule_job(id, now, "interrupted by shutdown"); },
               [id, attempt](const store::StoreOutcome<bool>& out) {
                 if (out.ok() && *out.value) {
                   spdlog::info("job {}: dialing -> pending ({}, attempt {})", id,
                                to_string(JobEvent::Interrupted), attempt);
                 }
               });
  }
  in_flight_.clear();
  for (const auto& [key, job] : unsaved_)
    spdlog::error("callback for '{}' lost: never stored before shutdown", job.caller);
}

}  // namespace callbackd::pbx

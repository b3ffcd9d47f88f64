// Callback jobs: one timer for the earliest due job, claiming a job exactly once, dialing it through a line
// or directly, and recording each attempt's outcome (with retries when configured).
#include <spdlog/spdlog.h>

#include "callback/policy.hpp"
#include "pbx/call_manager.hpp"
#include "pbx/job_destination.hpp"

namespace callbackd::pbx {
namespace {

std::string outcome_of(int status, const std::string& phrase) {
  if (status == 486 || status == 600 || status == 603) return "busy";
  if (status == 408 || status == 480 || status == 487) return "no-answer";
  return "failed: " + std::to_string(status) + " " + phrase;
}

}  // namespace

void CallManager::start() {
  const auto now = now_unix();
  for (const auto& job : deps_.store.jobs_in_state(store::JobState::Dialing)) {
    // A previous run stopped while this job was dialing: whether the callee was reached is unknown, so a job
    // with attempts left is dialed again and one without is recorded as failed.
    if (job.attempts < settings_.callback.max_attempts) {
      deps_.store.reschedule_job(job.id, now, "interrupted by restart");
    } else {
      deps_.store.transition_job(job.id, store::JobState::Dialing, store::JobState::Failed,
                                 "failed: interrupted by restart");
    }
  }
  for (const auto& job : deps_.store.jobs_in_state(store::JobState::Pending)) {
    jobs_.add(job.id, callback::TimePoint(std::chrono::seconds(job.due_at)));
  }
  if (jobs_.size() > 0) spdlog::info("callback: {} pending job(s) loaded", jobs_.size());
  arm_job_timer();
}

std::optional<std::int64_t> CallManager::persist_job(const store::CallbackJob& job) {
  try {
    const auto stored = deps_.store.create_job(job);
    const auto wait = std::chrono::seconds(std::max<store::UnixTime>(stored.due_at - now_unix(), 0));
    jobs_.add(stored.id, deps_.clock.now() + wait);
    arm_job_timer();
    spdlog::info("job {}: stored for '{}', due in {} s", stored.id, stored.caller, wait.count());
    return stored.id;
  } catch (const store::StoreError& e) {
    // The trigger was real and the caller has hung up: keep the job in memory and store it when the database
    // is back (a locked or full disk), rather than lose the callback.
    spdlog::error("callback for '{}' not stored yet, storage unavailable ({}); retrying every {} s",
                  job.caller, e.what(), kStoreRetry.count());
    unsaved_jobs_.push_back(job);
    if (!unsaved_timer_) {
      unsaved_timer_ = deps_.loop.start_timer(kStoreRetry, [this] {
        unsaved_timer_.reset();
        auto pending = std::exchange(unsaved_jobs_, {});
        for (const auto& j : pending) persist_job(j);
      });
    }
    return std::nullopt;
  }
}

void CallManager::job_cancelled(std::int64_t id) {
  deps_.loop.post([this, alive = alive_, id] {
    if (*alive && jobs_.remove(id)) arm_job_timer();
  });
}

void CallManager::arm_job_timer() {
  cancel_timer(job_timer_);
  const auto due = jobs_.next_due();
  if (!due || shutting_down_) return;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*due - deps_.clock.now());
  job_timer_ = deps_.loop.start_timer(std::max(wait, std::chrono::milliseconds(0)), [this] {
    job_timer_.reset();
    run_due_jobs();
  });
}

void CallManager::run_due_jobs() {
  for (auto id : jobs_.take_due(deps_.clock.now())) {
    try {
      dial_job(id);
    } catch (const std::exception& e) {
      spdlog::error("job {}: not dialed: {}", id, e.what());
    }
  }
  arm_job_timer();
}

bool CallManager::wait_for_line(std::int64_t job_id) {
  const auto job = deps_.store.get_job(job_id);
  if (!job || job->state != store::JobState::Pending) return false;
  const auto target = from_job_destination(job->destination);
  if (!target || target->kind() != callback::Destination::Kind::Pstn) return false;
  if (lines_.pick(job->line) != nullptr) return false;
  if (now_unix() - job->due_at >= settings_.callback.line_wait_s) {
    return false;  // waited long enough: the attempt is made, and fails for want of a line
  }
  // An FXO line carries one call at a time: wait for it rather than spend an attempt on a line that is busy.
  if (waiting_for_line_.insert(job_id).second) {
    spdlog::info("job {}: every line is busy, waiting up to {} s for a free one", job_id,
                 settings_.callback.line_wait_s);
  }
  jobs_.add(job_id, deps_.clock.now() + kLineRetry);
  return true;
}

void CallManager::dial_job(std::int64_t job_id) {
  if (wait_for_line(job_id)) return;
  waiting_for_line_.erase(job_id);
  // The claim is the store's compare-and-set: a job an admin cancelled meanwhile is skipped here.
  if (!deps_.store.transition_job(job_id, store::JobState::Pending, store::JobState::Dialing, "dialing")) {
    spdlog::info("job {}: no longer pending, not dialed", job_id);
    return;
  }
  const auto job = deps_.store.get_job(job_id);
  if (!job) return;
  const auto target = from_job_destination(job->destination);
  if (auto why = callback::check_outgoing(target); !why.empty()) {
    spdlog::warn("job {}: destination {} refused by policy: {}", job_id, job->destination, why);
    deps_.store.transition_job(job_id, store::JobState::Dialing, store::JobState::Failed, "failed: " + why);
    return;
  }
  const std::string us = settings_.sip_listen.str();
  switch (target->kind()) {
    case callback::Destination::Kind::SipUri:
      start_callback_leg(*job, target->text(), "sip:callback@" + us, "");
      return;
    case callback::Destination::Kind::Pstn: {
      const Line* line = lines_.pick(job->line);
      if (line == nullptr) return finish_attempt(job_id, "failed: no line with a free channel");
      const std::string from_user = line->number.empty() ? "callback" : line->number;
      const char* params = line->transport == LineTransport::Tcp ? ";transport=tcp" : "";
      start_callback_leg(*job, "sip:" + target->text() + "@" + line->gateway.str() + params,
                         "sip:" + from_user + "@" + us, line->name);
      return;
    }
    case callback::Destination::Kind::Extension:
      // Extensions register from roadmap step 2 on; until then none can be reached.
      return finish_attempt(job_id, "failed: extension " + target->text() + " is not registered");
  }
}

void CallManager::start_callback_leg(const store::CallbackJob& job, const std::string& request_uri,
                                     const std::string& from_uri, const std::string& line) {
  Leg leg;
  leg.kind = LegKind::Callback;
  leg.state = LegState::Dialing;
  leg.caller = job.destination;
  leg.job_id = job.id;
  leg.record.direction = "outbound";
  leg.record.job_id = job.id;
  leg.record.line = line;
  leg.record.caller = from_uri;
  leg.record.callee = request_uri;
  leg.record.started_at = now_unix();
  if (!open_media(leg)) return finish_attempt(job.id, "failed: no free RTP port");
  if (!line.empty() && !lines_.acquire(line)) {
    release_media(leg);
    return finish_attempt(job.id, "failed: no line with a free channel");
  }
  leg.line = line;
  leg.sdp_session = next_sdp_session_++;
  const media::LocalMedia local{deps_.media.address(), leg.media_port, leg.sdp_session};
  leg.id = sip_->invite(request_uri, from_uri, media::make_offer(local));
  if (leg.id == 0) {
    close_leg_resources(leg);
    return finish_attempt(job.id, "failed: cannot create the SIP request");
  }
  const sip::LegId id = leg.id;
  media_legs_[*leg.media] = id;
  spdlog::info("job {}: attempt {} dialing {} (leg {})", job.id, job.attempts, request_uri, id);
  leg.ring_timer =
      deps_.loop.start_timer(std::chrono::seconds(settings_.callback.ring_timeout_s), [this, id] {
        if (Leg* l = find(id)) {
          l->ring_timer.reset();
          l->ring_timed_out = true;
          sip_->hangup(id);
        }
      });
  legs_.emplace(id, std::move(leg));
}

void CallManager::on_progress(sip::LegId id, int status) {
  Leg* leg = find(id);
  if (leg == nullptr) return;
  leg->far_end_responded = true;
  if (leg->state == LegState::Dialing && status >= 180) transition(*leg, LegState::Alerting);
}

void CallManager::on_failed(sip::LegId id, int status, const std::string& phrase) {
  Leg* leg = find(id);
  if (leg == nullptr || leg->kind != LegKind::Callback) return;
  // A far end that never said anything (not even 100 Trying) is down or unreachable: that is a failure of the
  // line or the network, not a callee who did not pick up, and the admin must see the difference.
  const bool silent = !leg->far_end_responded && (leg->ring_timed_out || status == 408);
  const std::string outcome = silent                ? "failed: no response from " + leg->record.callee
                              : leg->ring_timed_out ? "no-answer"
                                                    : outcome_of(status, phrase);
  transition(*leg, LegState::Failed);
  leg->record.result = outcome;
  if (leg->job_id) finish_attempt(*leg->job_id, outcome);
  leg->job_id.reset();
}

void CallManager::on_answered(sip::LegId id, const std::string& sdp) {
  Leg* leg = find(id);
  if (leg == nullptr) return;
  cancel_timer(leg->ring_timer);
  std::optional<media::Negotiated> remote;
  if (auto answer = media::parse_sdp(sdp)) remote = media::negotiate(*answer);
  if (leg->job_id) {
    const std::string outcome = remote ? "answered" : "failed: no acceptable SDP answer";
    const auto to = remote ? store::JobState::Answered : store::JobState::Failed;
    deps_.store.transition_job(*leg->job_id, store::JobState::Dialing, to, outcome);
    spdlog::info("job {}: {}", *leg->job_id, outcome);
    leg->job_id.reset();
  }
  leg->record.answered_at = now_unix();
  if (!remote) {
    leg->record.result = "failed: no acceptable SDP answer";
    sip_->hangup(id);
    return;
  }
  leg->remote_media = remote;
  deps_.media.start(*leg->media, *remote);
  transition(*leg, LegState::Answered);
  leg->record.result = "answered";
  start_attendant(*leg);
}

void CallManager::finish_attempt(std::int64_t job_id, const std::string& outcome) {
  const auto job = deps_.store.get_job(job_id);
  if (!job || job->state != store::JobState::Dialing) return;
  if (job->attempts < settings_.callback.max_attempts && !shutting_down_) {
    const auto due = now_unix() + settings_.callback.retry_delay_s;
    deps_.store.reschedule_job(job_id, due, outcome);
    jobs_.add(job_id, deps_.clock.now() + std::chrono::seconds(settings_.callback.retry_delay_s));
    arm_job_timer();
    spdlog::info("job {}: attempt {} {}, retry in {} s", job_id, job->attempts, outcome,
                 settings_.callback.retry_delay_s);
    return;
  }
  deps_.store.transition_job(job_id, store::JobState::Dialing, store::JobState::Failed, outcome);
  spdlog::info("job {}: {} after {} attempt(s)", job_id, outcome, job->attempts);
}

}  // namespace callbackd::pbx

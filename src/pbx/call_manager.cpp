#include "pbx/call_manager.hpp"

#include <spdlog/spdlog.h>

namespace callbackd::pbx {

const char* to_string(LegState s) {
  switch (s) {
    case LegState::Offered:
      return "Offered";
    case LegState::Dialing:
      return "Dialing";
    case LegState::Alerting:
      return "Alerting";
    case LegState::Answered:
      return "Answered";
    case LegState::Cancelled:
      return "Cancelled";
    case LegState::Rejected:
      return "Rejected";
    case LegState::Failed:
      return "Failed";
    case LegState::Ended:
      return "Ended";
  }
  return "?";
}

CallManager::CallManager(CallManagerDeps deps, PbxSettings settings)
    : deps_(deps), settings_(std::move(settings)), lines_(settings_.lines) {
  // o= session ids unique across restarts (RFC 4566 suggests an NTP timestamp).
  next_sdp_session_ = static_cast<std::uint64_t>(now_unix()) * 1000;
}

CallManager::~CallManager() {
  *alive_ = false;
  for (auto& [id, leg] : legs_) {
    close_leg_resources(leg);
    write_record(leg);  // legs whose end the stack did not report before it stopped
  }
  cancel_timer(job_timer_);
  cancel_timer(unsaved_timer_);
  for (const auto& job : unsaved_jobs_) {
    spdlog::error("callback for '{}' lost: never stored before shutdown", job.caller);
  }
}

void CallManager::media_event(const media::MediaEvent& ev) {
  deps_.loop.post([this, alive = alive_, ev] {
    if (!*alive) return;
    auto it = media_legs_.find(ev.session);
    if (it == media_legs_.end()) return;
    Leg* leg = find(it->second);
    if (leg == nullptr) return;
    if (ev.kind == media::MediaEvent::Kind::Dtmf) {
      on_digit(*leg, ev.digit, ev.source == media::DtmfSource::Rfc4733 ? "rfc4733" : "inband");
    } else {
      feed_attendant(*leg, {ivr::AaEvent::Kind::PlaybackDone, 0});
    }
  });
}

void CallManager::on_dtmf_info(sip::LegId id, char digit) {
  if (Leg* leg = find(id)) on_digit(*leg, digit, "info");
}

void CallManager::on_reinvite(sip::LegId id, const std::string& sdp) {
  Leg* leg = find(id);
  if (leg == nullptr || !leg->media || !leg->remote_media) return sip_->answer_reinvite(id, "");
  const media::LocalMedia local{deps_.media.address(), leg->media_port, leg->sdp_session};
  if (sdp.empty()) return sip_->answer_reinvite(id, media::make_answer(local, *leg->remote_media));
  std::optional<media::Negotiated> remote;
  if (auto offer = media::parse_sdp(sdp)) remote = media::negotiate(*offer);
  if (!remote) return sip_->answer_reinvite(id, "");
  // The peer may have moved its media (a new address, or a hold): send there from now on.
  leg->remote_media = remote;
  deps_.media.start(*leg->media, *remote);
  sip_->answer_reinvite(id, media::make_answer(local, *remote));
}

void CallManager::on_ended(sip::LegId id) {
  auto it = legs_.find(id);
  if (it == legs_.end()) return;
  Leg& leg = it->second;
  if (leg.kind == LegKind::Callback && leg.job_id &&
      (leg.state == LegState::Dialing || leg.state == LegState::Alerting)) {
    // The dialog ended without a final response we saw (transport failure, shutdown).
    finish_attempt(*leg.job_id, "failed: call ended before an answer");
  }
  if (leg.state == LegState::Offered) leg.record.result = "caller hung up";
  transition(leg, LegState::Ended);
  close_leg_resources(leg);
  write_record(leg);
  legs_.erase(it);
}

void CallManager::write_record(Leg& leg) {
  // One insert when the leg ends, not an insert and an update: every write is an fsync on this thread.
  leg.record.ended_at = now_unix();
  try {
    deps_.store.add_call_record(leg.record);
  } catch (const std::exception& e) {
    spdlog::error("leg {}: call record not written: {}", leg.id, e.what());
  }
}

Leg* CallManager::find(sip::LegId id) {
  auto it = legs_.find(id);
  return it == legs_.end() ? nullptr : &it->second;
}

void CallManager::transition(Leg& leg, LegState next) {
  if (leg.state == next) return;
  spdlog::info("leg {}: {} -> {}", leg.id, to_string(leg.state), to_string(next));
  leg.state = next;
}

bool CallManager::open_media(Leg& leg) {
  auto alloc = deps_.media.allocate();
  if (!alloc) {
    spdlog::error("leg {}: no free RTP port", leg.id);
    return false;
  }
  leg.media = alloc->id;
  leg.media_port = alloc->port;
  media_legs_[alloc->id] = leg.id;
  return true;
}

void CallManager::close_leg_resources(Leg& leg) {
  cancel_timer(leg.answer_timer);
  cancel_timer(leg.ring_timer);
  cancel_timer(leg.aa_timer);
  cancel_timer(leg.limit_timer);
  release_media(leg);
  if (!leg.line.empty()) {
    lines_.release(leg.line);
    leg.line.clear();
  }
}

void CallManager::release_media(Leg& leg) {
  if (!leg.media) return;
  deps_.media.release(*leg.media);
  media_legs_.erase(*leg.media);
  leg.media.reset();
}

void CallManager::cancel_timer(std::optional<sip::EventLoop::TimerId>& timer) {
  if (timer) deps_.loop.cancel_timer(*timer);
  timer.reset();
}

store::UnixTime CallManager::now_unix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(deps_.clock.now().time_since_epoch()).count();
}

void CallManager::shutdown() {
  shutting_down_ = true;
  cancel_timer(job_timer_);
  for (auto& [id, leg] : legs_) {
    if (leg.kind == LegKind::Callback && leg.job_id &&
        (leg.state == LegState::Dialing || leg.state == LegState::Alerting)) {
      // Not answered yet: the job goes back to pending, so the next start dials it again.
      deps_.store.reschedule_job(*leg.job_id, now_unix(), "interrupted by shutdown");
      leg.job_id.reset();
    }
    leg.record.result = leg.record.result.empty() ? "ended by shutdown" : leg.record.result;
    if (sip_ != nullptr) sip_->hangup(id);
  }
}

}  // namespace callbackd::pbx

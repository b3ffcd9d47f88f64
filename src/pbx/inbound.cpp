// Inbound calls on a line: screening, ringing, the ring-once trigger, and the Auto Attendant answer.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "callback/policy.hpp"
#include "pbx/call_manager.hpp"
#include "pbx/job_destination.hpp"

namespace callbackd::pbx {
void CallManager::on_invite(sip::LegId id, const sip::InviteInfo& info) {
  const Line* line =
      lines_.from_source(info.source_ip, info.source_port, info.transport == sip::Transport::Tcp);
  if (shutting_down_) return reject_inbound(id, info, line ? line->name : "", 503);
  // No registrar yet: a call that does not come from a line's gateway is refused. Never an open relay.
  if (line == nullptr) return reject_inbound(id, info, "", 403);
  if (line->inbound == InboundRoute::Reject) return reject_inbound(id, info, line->name, 603);
  if (line->inbound == InboundRoute::Extension) {
    return reject_inbound(id, info, line->name, 480);
  }
  if (!lines_.acquire(line->name)) return reject_inbound(id, info, line->name, 486);

  Leg& leg = legs_[id];
  leg.id = id;
  leg.kind = LegKind::Inbound;
  leg.state = LegState::Offered;
  leg.line = line->name;
  leg.caller_id = {info.from_user, info.from_display, info.asserted_user, info.privacy_id};
  const auto cid = callback::classify_caller_id(leg.caller_id);
  leg.caller = cid.status == callback::CallerIdStatus::Valid ? cid.number : info.from_user;
  if (!info.sdp.empty()) {
    if (auto offer = media::parse_sdp(info.sdp)) leg.remote_media = media::negotiate(*offer);
  }
  leg.record.direction = "inbound";
  leg.record.line = line->name;
  leg.record.caller = leg.caller;
  leg.record.callee = info.request_user;
  leg.record.started_at = now_unix();
  spdlog::info("leg {}: call on line {} from '{}' ({})", id, line->name, leg.caller,
               cid.status == callback::CallerIdStatus::Valid      ? "caller ID"
               : cid.status == callback::CallerIdStatus::Withheld ? "withheld"
                                                                  : "malformed caller ID");
  sip_->ring(id);
  leg.answer_timer = deps_.loop.start_timer(std::chrono::seconds(line->answer_delay_s), [this, id] {
    if (Leg* l = find(id)) {
      l->answer_timer.reset();
      answer_inbound(id);
    }
  });
}

void CallManager::reject_inbound(sip::LegId id, const sip::InviteInfo& info, const std::string& line,
                                 int status) {
  const std::string phrase = sip::status_phrase(status);
  spdlog::warn("leg {}: {} {} for call from {} ({}:{}){}", id, status, phrase, info.from_uri, info.source_ip,
               info.source_port, line.empty() ? " (not a line gateway)" : " on line " + line);
  sip_->reject(id, status);
  // Requests from strangers are only logged: a flood of them must not turn into a flood of disk writes.
  if (line.empty()) return;
  store::CallRecord rec;
  rec.direction = "inbound";
  rec.line = line;
  rec.caller = info.from_user;
  rec.callee = info.request_user;
  rec.started_at = now_unix();
  rec.ended_at = rec.started_at;
  rec.result = "rejected: " + std::to_string(status) + " " + phrase;
  try {
    deps_.store.add_call_record(rec);
  } catch (const std::exception& e) {
    spdlog::error("leg {}: call record not written: {}", id, e.what());
  }
}

void CallManager::on_cancel(sip::LegId id) {
  Leg* leg = find(id);
  if (leg == nullptr || leg->kind != LegKind::Inbound) return;
  if (leg->state == LegState::Answered) {
    // The stack accepted the CANCEL before our 200 went out (the answer timer ran first while the CANCEL
    // waited in the queue): the caller never got an answer, so this is still a ring-once trigger.
    leg->attendant.reset();
    cancel_timer(leg->aa_timer);
    cancel_timer(leg->limit_timer);
    release_media(*leg);
    leg->record.answered_at.reset();
  } else if (leg->state != LegState::Offered) {
    return;
  }
  transition(*leg, LegState::Cancelled);
  cancel_timer(leg->answer_timer);
  try {
    trigger(*leg);
  } catch (const store::StoreError& e) {
    // Screening could not even read the database: the caller has hung up, so say loudly that this one is
    // lost.
    spdlog::error("leg {}: trigger from '{}' lost, storage unavailable: {}", id, leg->caller, e.what());
    leg->record.result = "failed: storage unavailable";
  }
}

void CallManager::trigger(Leg& leg) {
  using namespace std::chrono;
  callback::TriggerInput in{leg.caller_id, duration_cast<milliseconds>(steady_clock::now() - leg.started),
                            seconds(settings_.callback.trigger_window_s)};
  const auto phones = deps_.store.list_phones();
  auto decision = callback::screen_trigger(in, phones);
  if (decision.verdict == callback::Verdict::Accept) {
    const auto since = now_unix() - settings_.callback.min_interval_s;
    if (deps_.store.latest_job_for_caller(decision.caller_number, since) ||
        std::any_of(unsaved_jobs_.begin(), unsaved_jobs_.end(),
                    [&](const store::CallbackJob& j) { return j.caller == decision.caller_number; })) {
      decision.verdict = callback::Verdict::RejectDuplicate;
    }
  }
  if (decision.verdict != callback::Verdict::Accept) {
    spdlog::info("leg {}: no callback for '{}': {}", leg.id, leg.caller,
                 callback::to_string(decision.verdict));
    leg.record.result = "cancelled: " + std::string(callback::to_string(decision.verdict));
    return;
  }
  const auto target = callback::resolve_destination(*decision.phone, decision.caller_number);
  if (!target) {
    spdlog::warn("leg {}: entry {} has no usable callback destination: {}", leg.id, decision.phone->id,
                 target.error);
    leg.record.result = "cancelled: bad destination";
    return;
  }
  store::CallbackJob job;
  job.authorized_phone_id = decision.phone->id;
  job.caller = decision.caller_number;
  job.destination = to_job_destination(*target);
  job.line = leg.line;
  job.created_at = now_unix();
  job.due_at = job.created_at + decision.phone->callback_delay_s.value_or(settings_.callback.default_delay_s);
  spdlog::info("leg {}: trigger from '{}' -> callback to {} in {} s", leg.id, job.caller, job.destination,
               job.due_at - job.created_at);
  if (const auto id = persist_job(job)) {
    leg.record.result = "triggered job " + std::to_string(*id);
    leg.record.job_id = *id;
  } else {
    leg.record.result = "triggered, job waiting for storage";
  }
}

void CallManager::answer_inbound(sip::LegId id) {
  Leg* leg = find(id);
  if (leg == nullptr || leg->state != LegState::Offered) return;
  if (!leg->remote_media) {
    leg->record.result = "rejected: 488 no acceptable SDP offer";
    transition(*leg, LegState::Rejected);
    sip_->reject(id, 488);
    return;
  }
  if (!open_media(*leg)) {
    leg->record.result = "rejected: 503 no media port";
    transition(*leg, LegState::Rejected);
    sip_->reject(id, 503);
    return;
  }
  leg->sdp_session = next_sdp_session_++;
  media::LocalMedia local{deps_.media.address(), leg->media_port, leg->sdp_session};
  sip_->answer(id, media::make_answer(local, *leg->remote_media));
  deps_.media.start(*leg->media, *leg->remote_media);
  transition(*leg, LegState::Answered);
  leg->record.result = "answered by attendant";
  leg->record.answered_at = now_unix();
  start_attendant(*leg);
}

}  // namespace callbackd::pbx

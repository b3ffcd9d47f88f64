// Inbound calls on a line: screening, ringing, the ring-once trigger, and the Auto Attendant answer.
#include <spdlog/spdlog.h>

#include "callback/policy.hpp"
#include "callback/security_event.hpp"
#include "pbx/call_manager.hpp"
#include "pbx/job_destination.hpp"

namespace callbackd::pbx {

void CallManager::on_invite(LegId id, const sip::InviteInfo& info) {
  const Line* line =
      lines_.from_source(info.source_ip, info.source_port, info.transport == sip::Transport::Tcp);
  if (shutting_down_) return reject_inbound(id, info, line ? line->name : "", 503);
  // No registrar yet: a call that does not come from a line's gateway is refused. Never an open relay.
  if (line == nullptr) return reject_inbound(id, info, "", 403);
  if (line->inbound == InboundRoute::Reject) return reject_inbound(id, info, line->name, 603);
  if (line->inbound == InboundRoute::Extension) return reject_inbound(id, info, line->name, 480);
  if (!lines_.acquire(line->name)) return reject_inbound(id, info, line->name, 486);

  Leg& leg = add_leg(id, LegKind::Inbound, LegState::Offered);
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
  spdlog::info("leg {}: call on line {} from \"{}\" ({})", id, line->name,
               callback::text::log_escape(leg.caller),
               cid.status == callback::CallerIdStatus::Valid      ? "caller ID"
               : cid.status == callback::CallerIdStatus::Withheld ? "withheld"
                                                                  : "malformed caller ID");
  deps_.sip.ring(id);
  leg.answer_timer.start(std::chrono::seconds(line->answer_delay_s), [this, id] {
    Call* call = call_of(id);
    if (Leg* l = call != nullptr ? call->leg(id) : nullptr) answer_inbound(*call, *l);
  });
}

void CallManager::reject_inbound(LegId id, const sip::InviteInfo& info, const std::string& line, int status) {
  const std::string phrase = sip::status_phrase(status);
  if (line.empty() && status == 403) {
    // A stranger: the fixed-format security event that fail2ban watches (contrib/fail2ban/).
    callback::log_security_event(callback::SecurityEvent::SipForbidden, info.source_ip,
                                 {{"port", std::to_string(info.source_port)}, {"from_uri", info.from_uri}});
  } else {
    spdlog::warn("leg {}: {} {} for call from \"{}\" ({}:{}){}", id, status, phrase,
                 callback::text::log_escape(info.from_uri), info.source_ip, info.source_port,
                 line.empty() ? "" : " on line " + line);
  }
  deps_.sip.reject(id, status);
  // Requests from strangers are only logged: a flood of them must not turn into a flood of disk writes.
  if (line.empty()) return;
  store::CallRecord rec;
  rec.direction = "inbound";
  rec.line = line;
  rec.caller = info.from_user;
  rec.callee = info.request_user;
  rec.started_at = now_unix();
  rec.ended_at = rec.started_at;
  rec.result = describe({EndKind::Rejected, status, phrase}, LegKind::Inbound);
  try {
    deps_.store.add_call_record(rec);
  } catch (const std::exception& e) {
    spdlog::error("leg {}: call record not written: {}", id, e.what());
  }
}

void CallManager::on_cancel(LegId id) {
  Call* call = call_of(id);
  Leg* leg = call != nullptr ? call->leg(id) : nullptr;
  if (leg == nullptr || leg->kind != LegKind::Inbound) return;
  const bool overtook_answer = leg->state == LegState::Answered;
  if (!transition(*leg, LegEvent::CallerCancel)) return;
  leg->answer_timer.cancel();
  if (overtook_answer) {
    // The stack accepted the CANCEL before our 200 went out (the answer timer ran first while the CANCEL
    // waited in the queue): the caller never got an answer, so this is still a ring-once trigger.
    stop_attendant(*call);
    release_media(*leg);
    leg->record.answered_at.reset();
    leg->cause.reset();
  }
  try {
    trigger(*leg);
  } catch (const store::StoreError& e) {
    // Screening could not even read the database: the caller has hung up, so say loudly that this one is
    // lost.
    spdlog::error("leg {}: trigger from '{}' lost, storage unavailable: {}", id, leg->caller, e.what());
    decide(*leg, {EndKind::StorageUnavailable, 0, ""});
  }
}

void CallManager::trigger(Leg& leg) {
  using namespace std::chrono;
  callback::TriggerInput in{leg.caller_id, duration_cast<milliseconds>(deps_.clock.now() - leg.started),
                            seconds(settings_.callback.trigger_window_s)};
  // Indexed lookup: only the entries that can match this number are read, not the whole database.
  const auto caller_id = callback::classify_caller_id(in.caller);
  const auto phone = caller_id.status == callback::CallerIdStatus::Valid
                         ? callback::find_trusted_caller(deps_.store, caller_id.number)
                         : std::nullopt;
  auto decision = callback::screen_trigger(in, caller_id, phone ? &*phone : nullptr);
  if (decision.verdict == callback::Verdict::Accept) {
    // In milliseconds: two triggers within one wall-clock second are two triggers unless min_interval_s says
    // not.
    const auto since_ms = now_ms() - std::int64_t{settings_.callback.min_interval_s} * 1000;
    if (deps_.store.latest_job_for_caller_ms(decision.caller_number, since_ms) ||
        jobs_.has_unsaved_for(decision.caller_number)) {
      decision.verdict = callback::Verdict::RejectDuplicate;
    }
  }
  if (decision.verdict != callback::Verdict::Accept) {
    const std::string verdict(callback::to_string(decision.verdict));
    spdlog::info("leg {}: no callback for '{}': {}", leg.id, leg.caller, verdict);
    return decide(leg, {EndKind::NotTriggered, 0, verdict});
  }
  const auto target = callback::resolve_destination(*decision.phone, decision.caller_number);
  if (!target) {
    spdlog::warn("leg {}: entry {} has no usable callback destination: {}", leg.id, decision.phone->id,
                 target.error);
    return decide(leg, {EndKind::BadDestination, 0, ""});
  }
  store::CallbackJob job;
  job.authorized_phone_id = decision.phone->id;
  job.caller = decision.caller_number;
  job.destination = to_job_destination(*target);
  job.line = leg.line;
  job.created_at_ms = now_ms();
  job.created_at = job.created_at_ms / 1000;
  job.due_at = job.created_at + decision.phone->callback_delay_s.value_or(settings_.callback.default_delay_s);
  spdlog::info("leg {}: trigger from '{}' -> callback to {} in {} s", leg.id, job.caller, job.destination,
               job.due_at - job.created_at);
  if (const auto id = jobs_.submit(job)) {
    decide(leg, {EndKind::Triggered, 0, std::to_string(*id)});
    leg.record.job_id = *id;
  } else {
    decide(leg, {EndKind::TriggerUnstored, 0, ""});
  }
}

void CallManager::answer_inbound(Call& call, Leg& leg) {
  if (leg.state != LegState::Offered) return;
  if (!leg.remote_media || !open_media(leg)) {
    const int status = leg.remote_media ? 503 : 488;
    decide(leg, {leg.remote_media ? EndKind::NoMediaPort : EndKind::NoSdpOffer, status, ""});
    transition(leg, LegEvent::Reject);
    deps_.sip.reject(leg.id, status);
    return;
  }
  leg.sdp_session = next_sdp_session_++;
  media::LocalMedia local{deps_.media.address(), leg.media_port, leg.sdp_session};
  deps_.sip.answer(leg.id, media::make_answer(local, *leg.remote_media));
  deps_.media.start(*leg.media, *leg.remote_media);
  transition(leg, LegEvent::Answer);
  decide(leg, {EndKind::AttendantAnswered, 0, ""});
  leg.record.answered_at = now_unix();
  start_attendant(call, leg);
}

}  // namespace callbackd::pbx

// Inbound calls on a line: screening, ringing, the ring-once trigger, and the Auto Attendant answer.
#include <spdlog/spdlog.h>

#include "callback/policy.hpp"
#include "callback/security_event.hpp"
#include "pbx/call_manager.hpp"

namespace callbackd::pbx {

void CallManager::on_invite(LegId id, const sip::InviteInfo& info) {
  const Line* line =
      lines_.from_source(info.source_ip, info.source_port, info.transport == sip::Transport::Tcp);
  if (shutting_down_) return reject_inbound(id, info, line ? line->name : "", 503);
  // A call that does not come from a line's gateway is a phone's, which proves its extension (phone.cpp),
  // or a stranger's, refused. Never an open relay.
  if (line == nullptr && !authenticate_) return reject_inbound(id, info, "", 403);
  const auto line_in_use = line != nullptr ? std::optional<int>(lines_.in_use(line->name)) : std::nullopt;
  if (auto why = overload_.refuse(call_of_.size(), deps_.store.backlog(), line_in_use)) {
    // No record and no log line per call: under overload each would add to the load that caused it.
    overload_.refused(*why);
    return deps_.sip.reject(id, 503);
  }
  if (line == nullptr) return authenticate_phone(id, info);
  if (line->inbound == InboundRoute::Reject) return reject_inbound(id, info, line->name, 603);
  if (!lines_.acquire(line->name)) return reject_inbound(id, info, line->name, 486);

  Leg& leg = add_leg(id, LegKind::Inbound, LegState::Offered);
  leg.line = line->name;
  leg.caller_id = {info.from_user, info.from_display, info.asserted_user, info.privacy_id, info.from_uri};
  const auto cid = callback::classify_caller_id(leg.caller_id);
  leg.caller = cid.status == callback::CallerIdStatus::Valid ? cid.number : info.from_user;
  leg.peer_ip = info.source_ip;
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
  // Routed to an extension: it rings the extension's phone, and a CANCEL is a caller giving up, not a
  // trigger.
  if (line->inbound == InboundRoute::Extension)
    return ring_extension(*call_of(id), leg, line->inbound_extension);
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
  const EndCause cause{EndKind::Rejected, status, phrase};
  rec.result = describe(cause, LegKind::Inbound);
  rec.end_cause = end_cause_name(cause, LegKind::Inbound);
  write_record(rec, id);
}

void CallManager::on_cancel(LegId id) {
  awaiting_auth_.erase(id);
  Call* call = call_of(id);
  Leg* leg = call != nullptr ? call->leg(id) : nullptr;
  if (leg == nullptr || !received(leg->kind)) return;
  if (call->direct || leg->kind == LegKind::Phone) {
    // A caller giving up on a phone or an extension: never a ring-once trigger.
    if (!transition(*leg, LegEvent::CallerCancel)) return;
    decide(*leg, {EndKind::EndedBeforeAnswer, 0, ""});
    hangup_far(*call);
    return;
  }
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
  trigger(*leg);
}

void CallManager::trigger(Leg& leg) {
  using namespace std::chrono;
  TriggerRequest req{{leg.caller_id, duration_cast<milliseconds>(deps_.clock.now() - leg.started),
                      seconds(settings_.callback.trigger_window_s)},
                     leg.line,
                     now_ms(),
                     settings_.callback.min_interval_s,
                     settings_.callback.default_delay_s,
                     jobs_.has_unsaved_for(leg.caller),
                     settings_.callback.max_per_hour,
                     settings_.callback.max_per_day};
  // The screening, the duplicate check and the job's insert run on the store worker, in order with every
  // other trigger; the leg's outcome (and its call record) waits for the answer in triggered().
  deps_.store.ask([req](store::Store& s) { return run_trigger(s, req); },
                  [this, alive = alive_, id = leg.id](const store::StoreOutcome<TriggerResult>& out) {
                    if (*alive) triggered(id, out);
                  });
}

void CallManager::triggered(LegId id, const store::StoreOutcome<TriggerResult>& out) {
  Call* call = call_of(id);
  Leg* leg = call != nullptr ? call->leg(id) : nullptr;
  if (leg == nullptr) {
    // Not expected (a leg waits for its trigger), but a stored job is a promise to the caller: keep it.
    if (out.ok() && out.value->stored) jobs_.adopt(*out.value->job);
    return;
  }
  if (!out.ok()) {
    // Screening could not even read the database: the caller has hung up, so say loudly that this one is
    // lost.
    spdlog::error("leg {}: trigger from '{}' lost, storage unavailable: {}", id, leg->caller, out.error);
    decide(*leg, {EndKind::StorageUnavailable, 0, ""});
  } else {
    trigger_decided(*leg, *out.value);
  }
  if (leg->state == LegState::Ended) finish_leg(*call, *leg);
}

void CallManager::trigger_decided(Leg& leg, const TriggerResult& r) {
  auto verdict = r.verdict;
  // A job of this caller that the store refused (kept in memory since this trigger went to the worker) is
  // an open job the worker could not see.
  if (verdict == callback::Verdict::Accept && !r.stored && jobs_.has_unsaved_for(r.caller_number)) {
    verdict = callback::Verdict::RejectOpenJob;
  }
  if (verdict != callback::Verdict::Accept) {
    const std::string text(callback::to_string(verdict));
    if (verdict == callback::Verdict::RejectRateLimit) {
      callback::log_security_event(
          callback::SecurityEvent::CallbackRateLimited, "",
          {{"caller", r.caller_number}, {"limit", r.rate_limit}, {"line", leg.line}});
    }
    spdlog::info("leg {}: no callback for '{}': {}", leg.id, leg.caller, text);
    return decide(leg, {EndKind::NotTriggered, 0, text});
  }
  if (!r.job) {
    spdlog::warn("leg {}: entry {} has no usable callback destination: {}", leg.id, r.phone_id.value_or(0),
                 r.bad_destination);
    return decide(leg, {EndKind::BadDestination, 0, ""});
  }
  spdlog::info("leg {}: trigger from '{}' -> callback to {} in {} s", leg.id, r.job->caller,
               r.job->destination, r.job->due_at - r.job->created_at);
  if (r.stored) {
    jobs_.adopt(*r.job);
    decide(leg, {EndKind::Triggered, 0, std::to_string(r.job->id)});
    leg.record.job_id = r.job->id;
  } else {
    jobs_.keep_unsaved(*r.job, r.store_error);
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
  start_attendant(call, leg, std::nullopt);
}

}  // namespace callbackd::pbx

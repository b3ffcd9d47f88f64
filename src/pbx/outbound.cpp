// Callback legs: the job runner's attempts become INVITEs through a line or straight to a SIP URI, and the
// far end's answers move the leg and end the attempt.
#include <spdlog/spdlog.h>

#include "callback/policy.hpp"
#include "pbx/call_manager.hpp"
#include "pbx/job_destination.hpp"

namespace callbackd::pbx {

bool CallManager::waits_for_line(const store::CallbackJob& job) {
  const auto target = from_job_destination(job.destination);
  return target && target->kind() == callback::Destination::Kind::Pstn && lines_.pick(job.line) == nullptr;
}

// A destination the policy refused: no INVITE, but a call record, so the admin sees the attempt and why.
std::optional<EndCause> CallManager::refuse(const store::CallbackJob& job, const std::string& line,
                                            std::string why) {
  EndCause cause{EndKind::Refused, 0, std::move(why)};
  store::CallRecord record;
  record.job_id = job.id;
  record.direction = "outbound";
  record.line = line;
  record.caller = "sip:callback@" + settings_.sip_listen.str();
  record.callee = job.destination;
  record.started_at = now_unix();
  record.ended_at = record.started_at;
  record.result = describe(cause);
  record.end_cause = end_cause_name(cause);
  write_record(record, 0);
  return cause;
}

// A stored sip: destination to a line's gateway is a PSTN call: its user becomes the number the policy
// normalised. Any other URI is sent as stored.
std::string CallManager::gateway_uri(const callback::Destination& target, const std::string& number) {
  if (number.empty()) return target.text();
  callback::SipUri uri = *target.sip();
  uri.user = number;
  return callback::canonical(uri);
}

// The policy judges a number as the line that would dial it dials it: a free line that may (the job's own
// first), else the job's or the first free one, whose refusal the job records.
const Line* CallManager::job_line(const store::CallbackJob& job, const callback::Destination& target) const {
  const auto may_dial = [&](const Line& l) { return policy_.judge(target, dialing_of(l)).allowed(); };
  if (const Line* open = lines_.pick(job.line, may_dial)) return open;
  return lines_.pick(job.line);
}

std::optional<EndCause> CallManager::dial(const store::CallbackJob& job) {
  const auto target = from_job_destination(job.destination);
  const bool pstn = target && target->kind() == callback::Destination::Kind::Pstn;
  const Line* line = pstn ? job_line(job, *target) : nullptr;
  if (pstn && line == nullptr) return EndCause{EndKind::NoLine, 0, ""};
  const std::string subject = "job " + std::to_string(job.id);
  const std::string entry = job.authorized_phone_id ? std::to_string(*job.authorized_phone_id) : "-";
  const callback::LineDialing dialing = line != nullptr ? dialing_of(*line) : callback::LineDialing{};
  const callback::OutgoingCall call{
      callback::CallPurpose::Callback, &dialing, job.destination, "", subject, entry};
  const auto judged = callback::check_outgoing(policy_, target, call);
  if (!judged.allowed()) return refuse(job, line != nullptr ? line->name : "", judged.refused);
  const std::string us = settings_.sip_listen.str();
  switch (target->kind()) {
    case callback::Destination::Kind::SipUri:
      return start_callback_leg(job, gateway_uri(*target, judged.number), "sip:callback@" + us, "");
    case callback::Destination::Kind::Pstn: {
      const std::string from_user = line->number.empty() ? "callback" : line->number;
      return start_callback_leg(job, line_uri(*line, judged.number), "sip:" + from_user + "@" + us,
                                line->name);
    }
    case callback::Destination::Kind::Extension: {
      const auto contacts = locate_ ? locate_(target->text()) : std::vector<std::string>{};
      if (contacts.empty()) {
        return EndCause{EndKind::Unreachable, 0, "extension " + target->text() + " is not registered"};
      }
      // The phone that registered last is the one most likely in the caller's hand.
      return start_callback_leg(job, contacts.back(), "sip:callback@" + us, "");
    }
  }
  return EndCause{EndKind::Refused, 0, "unknown destination"};
}

std::optional<EndCause> CallManager::start_callback_leg(const store::CallbackJob& job,
                                                        const std::string& request_uri,
                                                        const std::string& from_uri,
                                                        const std::string& line) {
  auto sent = send_invite(nullptr, LegKind::Callback, request_uri, from_uri, line);
  if (auto* cause = std::get_if<EndCause>(&sent)) return *cause;
  Leg& leg = *std::get<Leg*>(sent);
  const LegId id = leg.id;
  leg.caller = job.destination;
  leg.job_id = job.id;
  leg.record.direction = "outbound";
  leg.record.job_id = job.id;
  if (const Line* l = lines_.find(line)) leg.peer_ip = l->gateway.host;
  spdlog::info("job {}: attempt {} dialing {} (leg {})", job.id, job.attempts, request_uri, id);
  leg.ring_timer.start(std::chrono::seconds(settings_.callback.ring_timeout_s), [this, id] {
    Leg* l = find(id);
    if (l == nullptr) return;
    // A far end that never said anything (not even 100 Trying) is down or unreachable: a failure of the line
    // or the network, not a callee who did not pick up, and the admin must see the difference.
    decide(*l, l->state == LegState::Dialing ? EndCause{EndKind::NoResponse, 0, l->record.callee}
                                             : EndCause{EndKind::NoAnswer, 0, ""});
    if (transition(*l, LegEvent::RingTimeout)) deps_.sip.hangup(id);
  });
  return std::nullopt;
}

void CallManager::end_attempt(Leg& leg) {
  if (!leg.job_id) return;
  jobs_.attempt_failed(*std::exchange(leg.job_id, std::nullopt), leg.cause.value_or(EndCause{}));
}

void CallManager::on_progress(LegId id, int status, const std::string& sdp) {
  Call* call = call_of(id);
  Leg* leg = call != nullptr ? call->leg(id) : nullptr;
  if (leg == nullptr || received(leg->kind)) return;
  transition(*leg, status >= 180 ? LegEvent::Ringing : LegEvent::Trying);
  // A relayed call's far end may play its own ringback or announcements before it answers.
  const bool ringing = leg->state == LegState::Proceeding || leg->state == LegState::Alerting;
  if (leg->kind == LegKind::Relay && ringing && !sdp.empty()) relay_early_media(*call, *leg, sdp);
}

void CallManager::on_failed(LegId id, int status, const std::string& phrase) {
  Call* call = call_of(id);
  Leg* leg = call != nullptr ? call->leg(id) : nullptr;
  if (leg == nullptr || received(leg->kind)) return;
  const bool silent = leg->state == LegState::Dialing && status == 408;
  if (!transition(*leg, LegEvent::Failure)) return;
  decide(*leg, silent ? EndCause{EndKind::NoResponse, status, leg->record.callee}
                      : cause_of_failure(status, phrase));
  if (leg->kind == LegKind::Relay) return relay_failed(*call, *leg);
  end_attempt(*leg);
}

void CallManager::on_answered(LegId id, const std::string& sdp) {
  Call* call = call_of(id);
  Leg* leg = call != nullptr ? call->leg(id) : nullptr;
  if (leg == nullptr || received(leg->kind) || !transition(*leg, LegEvent::Answer)) return;
  if (leg->kind == LegKind::Relay) return relay_answered(*call, *leg, sdp);
  leg->ring_timer.cancel();
  std::optional<media::Negotiated> remote;
  if (auto answer = media::parse_sdp(sdp)) remote = media::negotiate(*answer);
  // The callee picked up: whatever a ring timeout decided, the call was answered.
  leg->cause = EndCause{remote ? EndKind::Answered : EndKind::NoSdpAnswer, 0, ""};
  if (leg->job_id) jobs_.answered(*std::exchange(leg->job_id, std::nullopt), remote.has_value());
  leg->record.answered_at = now_unix();
  if (!remote) {
    deps_.sip.hangup(id);
    return;
  }
  leg->remote_media = remote;
  deps_.media.start(*leg->media, *remote);
  start_attendant(*call, *leg, leg->record.job_id);
}

}  // namespace callbackd::pbx

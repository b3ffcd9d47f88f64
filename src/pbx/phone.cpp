// Calls from registered phones, and calls that ring an extension. An INVITE that does not come from a line's
// gateway is a stranger's (403) unless it comes from an address where a phone registered; then it must prove
// its extension by SIP digest: a 407 challenge, the same for a known and an unknown extension (the
// registrar's rules), so no one reaches the attendant or a line by claiming a number. A proven extension
// dials attendant.number for the Auto Attendant (logged in as itself) or another extension's number for a
// direct call. A direct call rings the callee while the caller hears its own phone's ringback, and only then
// answers the caller and bridges the two; it is how a line routed to an extension rings it too.
#include <spdlog/spdlog.h>

#include "callback/policy.hpp"
#include "callback/text.hpp"
#include "pbx/call_manager.hpp"

namespace callbackd::pbx {
namespace {

// What the callee's phone shows: a number we can vouch for (an extension, a caller ID that is a number), or
// nothing of what a caller sent, which could be any text.
std::string shown_caller(const std::string& caller) {
  const bool number =
      !caller.empty() && caller.size() <= 32 && caller.find_first_not_of("+0123456789") == std::string::npos;
  return number ? caller : std::string("anonymous");
}

// The answer a direct call's caller gets when the callee's phone did not take it.
int refusal_status(const EndCause& cause) {
  switch (cause.kind) {
    case EndKind::Busy:
      return 486;
    case EndKind::Failed:
      return cause.sip_status >= 400 && cause.sip_status < 700 ? cause.sip_status : 480;
    default:
      return 480;
  }
}

}  // namespace

void CallManager::authenticate_phone(LegId id, const sip::InviteInfo& info) {
  awaiting_auth_.insert(id);
  authenticate_(info, [this, alive = alive_, id, info](const PhoneAuth& auth) {
    // The phone may have given up (CANCEL) while the store looked its extension up.
    if (!*alive || awaiting_auth_.erase(id) == 0) return;
    switch (auth.verdict) {
      case PhoneAuth::Verdict::Stranger:
        return reject_inbound(id, info, "", 403);
      case PhoneAuth::Verdict::Challenge:
        return deps_.sip.reject_with(id, auth.challenge);
      case PhoneAuth::Verdict::Proven:
        return phone_call(id, info, auth.extension);
    }
  });
}

void CallManager::phone_call(LegId id, const sip::InviteInfo& info, const std::string& extension) {
  Leg& leg = add_leg(id, LegKind::Phone, LegState::Offered);
  leg.caller = extension;
  leg.caller_id = {extension, info.from_display, "", false, ""};
  leg.peer_ip = info.source_ip;
  if (!info.sdp.empty()) {
    if (auto offer = media::parse_sdp(info.sdp)) leg.remote_media = media::negotiate(*offer);
  }
  leg.record.direction = "phone";
  leg.record.caller = extension;
  leg.record.callee = info.request_user;
  leg.record.started_at = now_unix();
  Call& call = *call_of(id);
  spdlog::info("leg {}: call from extension {} to \"{}\"", id, extension,
               callback::text::log_escape(info.request_user));
  if (info.request_user == settings_.attendant.number) return answer_inbound(call, leg);
  if (info.request_user == extension) return refuse_direct(call, leg, {EndKind::Busy, 486, "own extension"});
  ring_extension(call, leg, info.request_user);
}

void CallManager::ring_extension(Call& call, Leg& caller, const std::string& number) {
  const bool extension = callback::is_extension_number(number);
  const auto contacts = extension && locate_ ? locate_(number) : std::vector<std::string>{};
  if (contacts.empty()) {
    return refuse_direct(call, caller,
                         {EndKind::Unreachable, extension ? 480 : 404,
                          extension ? "extension not registered" : "no such extension"});
  }
  call.direct = true;
  call.attendant_leg = caller.id;  // the leg that the far leg's events are about
  call.caller_number = caller.caller;
  const std::string from_uri = "sip:" + shown_caller(caller.caller) + "@" + settings_.sip_listen.str();
  // Every phone of the extension rings at once (fork.cpp).
  if (place_forks(call, caller, contacts, from_uri, number) == 0) {
    return refuse_direct(call, caller, {EndKind::NoSipRequest, 503, ""});
  }
  deps_.sip.ring(caller.id);
}

void CallManager::refuse_direct(Call& call, Leg& caller, const EndCause& cause) {
  if (caller.state != LegState::Offered) return;
  const int status = cause.sip_status != 0 ? cause.sip_status : refusal_status(cause);
  decide(caller, {EndKind::Rejected, status, cause.detail});
  transition(caller, LegEvent::Reject);
  caller.answer_timer.cancel();
  deps_.sip.reject(caller.id, status);
  (void)call;
}

void CallManager::direct_answered(Call& call, Leg& far, const std::string& sdp) {
  far.ring_timer.cancel();
  far.record.answered_at = now_unix();
  Leg* caller = call.leg(call.attendant_leg);
  std::optional<media::Negotiated> remote;
  if (auto answer = media::parse_sdp(sdp)) remote = media::negotiate(*answer);
  if (!remote || caller == nullptr || caller->state != LegState::Offered || !caller->remote_media ||
      !open_media(*caller)) {
    decide(far, {EndKind::NoSdpAnswer, 0, ""});
    deps_.sip.hangup(far.id);
    if (caller != nullptr) refuse_direct(call, *caller, {EndKind::NoMediaPort, 503, ""});
    return;
  }
  decide(far, {EndKind::Answered, 0, ""});
  call.far_reported = true;
  far.remote_media = remote;
  deps_.media.start(*far.media, *remote);
  caller->sdp_session = next_sdp_session_++;
  const media::LocalMedia local{deps_.media.address(), caller->media_port, caller->sdp_session};
  deps_.sip.answer(caller->id, media::make_answer(local, *caller->remote_media));
  deps_.media.start(*caller->media, *caller->remote_media);
  transition(*caller, LegEvent::Answer);
  decide(*caller, {EndKind::Answered, 0, ""});
  caller->record.answered_at = now_unix();
  deps_.media.bridge(*caller->media, *far.media);
  const LegId id = caller->id;
  call.limit_timer.start(std::chrono::seconds(settings_.callback.max_call_duration_s), [this, id] {
    spdlog::info("leg {}: maximum call duration reached", id);
    deps_.sip.hangup(id);
  });
}

void CallManager::direct_ended(Call& call, Leg& far) {
  call.far_leg = 0;
  call.far_reported = true;
  Leg* caller = call.leg(call.attendant_leg);
  if (caller == nullptr) return;
  if (caller->state == LegState::Offered) {
    return refuse_direct(call, *caller, {EndKind::Failed, refusal_status(reported_cause(call, far)), ""});
  }
  if (caller->state == LegState::Answered) deps_.sip.hangup(caller->id);
}

}  // namespace callbackd::pbx

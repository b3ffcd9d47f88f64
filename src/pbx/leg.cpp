#include "pbx/leg.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace callbackd::pbx {
namespace {

struct Move {
  LegKind kind;
  LegState from;
  LegEvent event;
  LegState to;
};

using S = LegState;
using E = LegEvent;
using K = LegKind;

// Every allowed move; DialogEnded (to Ended) is allowed from every state but Ended and is not listed.
constexpr std::array kMoves{
    Move{K::Inbound, S::Offered, E::CallerCancel, S::Cancelled},
    Move{K::Inbound, S::Offered, E::Answer, S::Answered},
    Move{K::Inbound, S::Offered, E::Reject, S::Rejected},
    // The stack took the caller's CANCEL before our 200 went out: the caller never heard an answer.
    Move{K::Inbound, S::Answered, E::CallerCancel, S::Cancelled},
    Move{K::Callback, S::Dialing, E::Trying, S::Proceeding},
    Move{K::Callback, S::Dialing, E::Ringing, S::Alerting},
    Move{K::Callback, S::Proceeding, E::Trying, S::Proceeding},
    Move{K::Callback, S::Proceeding, E::Ringing, S::Alerting},
    Move{K::Callback, S::Alerting, E::Trying, S::Alerting},
    Move{K::Callback, S::Alerting, E::Ringing, S::Alerting},
    Move{K::Callback, S::Dialing, E::Answer, S::Answered},
    Move{K::Callback, S::Proceeding, E::Answer, S::Answered},
    Move{K::Callback, S::Alerting, E::Answer, S::Answered},
    // A 200 that crossed our CANCEL: the callee did answer.
    Move{K::Callback, S::Cancelling, E::Answer, S::Answered},
    Move{K::Callback, S::Dialing, E::Failure, S::Failed},
    Move{K::Callback, S::Proceeding, E::Failure, S::Failed},
    Move{K::Callback, S::Alerting, E::Failure, S::Failed},
    Move{K::Callback, S::Cancelling, E::Failure, S::Failed},
    Move{K::Callback, S::Dialing, E::RingTimeout, S::Cancelling},
    Move{K::Callback, S::Proceeding, E::RingTimeout, S::Cancelling},
    Move{K::Callback, S::Alerting, E::RingTimeout, S::Cancelling},
};

}  // namespace

const char* to_string(LegState s) {
  constexpr std::array kNames{"Offered",    "Dialing",   "Proceeding", "Alerting", "Answered",
                              "Cancelling", "Cancelled", "Rejected",   "Failed",   "Ended"};
  return kNames.at(static_cast<std::size_t>(s));
}

const char* to_string(LegEvent e) {
  constexpr std::array kNames{"CallerCancel", "Answer",      "Reject",  "Trying",
                              "Ringing",      "RingTimeout", "Failure", "DialogEnded"};
  return kNames.at(static_cast<std::size_t>(e));
}

std::optional<LegState> next_state(LegKind kind, LegState from, LegEvent event) {
  if (event == E::DialogEnded) return from == S::Ended ? std::nullopt : std::optional(S::Ended);
  if (kind == K::Relay) kind = K::Callback;  // both are INVITEs we sent, moving through the same answers
  if (kind == K::Phone) kind = K::Inbound;   // both are INVITEs we received
  for (const auto& m : kMoves) {
    if (m.kind == kind && m.from == from && m.event == event) return m.to;
  }
  return std::nullopt;
}

bool transition(Leg& leg, LegEvent event) {
  const auto next = next_state(leg.kind, leg.state, event);
  if (!next) {
    spdlog::warn("leg {}: {} refused in state {}", leg.id, to_string(event), to_string(leg.state));
    return false;
  }
  if (*next != leg.state) {
    spdlog::info("leg {}: {} -> {} ({})", leg.id, to_string(leg.state), to_string(*next), to_string(event));
    leg.state = *next;
  }
  return true;
}

void decide(Leg& leg, EndCause cause) {
  if (!leg.cause) leg.cause = std::move(cause);
}

EndCause cause_of_failure(int status, const std::string& phrase) {
  if (status == 486 || status == 600 || status == 603) return {EndKind::Busy, status, ""};
  if (status == 408 || status == 480 || status == 487) return {EndKind::NoAnswer, status, ""};
  return {EndKind::Failed, status, phrase};
}

RetryClass retry_class(const EndCause& c) {
  switch (c.kind) {
    case EndKind::Busy:
    case EndKind::NoAnswer:
      return RetryClass::AfterInterval;
    case EndKind::Failed:
      return c.sip_status >= 500 && c.sip_status < 600 ? RetryClass::WithBackoff : RetryClass::Never;
    case EndKind::Unknown:
    case EndKind::NoResponse:
    case EndKind::EndedBeforeAnswer:
    case EndKind::NoSipRequest:
    case EndKind::NoMediaPort:
    case EndKind::NoLine:
    case EndKind::Unreachable:
    case EndKind::StorageUnavailable:
      return RetryClass::WithBackoff;
    default:
      return RetryClass::Never;
  }
}

const char* end_cause_name(const EndCause& c, LegKind kind) {
  switch (c.kind) {
    case EndKind::Unknown:
      return received(kind) ? "caller-hung-up" : "ended-before-answer";
    case EndKind::Answered:
      return "answered";
    case EndKind::AttendantAnswered:
      return "attendant-answered";
    case EndKind::CallerHungUp:
      return "caller-hung-up";
    case EndKind::Triggered:
      return "triggered";
    case EndKind::TriggerUnstored:
      return "trigger-unstored";
    case EndKind::NotTriggered:
      return "not-triggered";
    case EndKind::BadDestination:
      return "bad-destination";
    case EndKind::StorageUnavailable:
      return "storage-unavailable";
    case EndKind::Busy:
      return "busy";
    case EndKind::NoAnswer:
      return "no-answer";
    case EndKind::NoResponse:
      return "no-response";
    case EndKind::Rejected:
      return "rejected";
    case EndKind::Failed:
      return "failed";
    case EndKind::NoSdpOffer:
      return "no-sdp-offer";
    case EndKind::NoSdpAnswer:
      return "no-sdp-answer";
    case EndKind::NoMediaPort:
      return "no-media-port";
    case EndKind::NoLine:
      return "no-line";
    case EndKind::NoSipRequest:
      return "no-sip-request";
    case EndKind::EndedBeforeAnswer:
      return "ended-before-answer";
    case EndKind::Refused:
      return "refused";
    case EndKind::Unreachable:
      return "unreachable";
    case EndKind::Shutdown:
      return "shutdown";
    case EndKind::AnsweredElsewhere:
      return "answered-elsewhere";
  }
  return "unknown";
}

std::string describe(const EndCause& c, LegKind kind) {
  const std::string status = std::to_string(c.sip_status);
  switch (c.kind) {
    case EndKind::Unknown:
      return received(kind) ? "caller hung up" : "failed: call ended before an answer";
    case EndKind::Answered:
      return "answered";
    case EndKind::AttendantAnswered:
      return "answered by attendant";
    case EndKind::CallerHungUp:
      return "caller hung up";
    case EndKind::Triggered:
      return "triggered job " + c.detail;
    case EndKind::TriggerUnstored:
      return "triggered, job waiting for storage";
    case EndKind::NotTriggered:
      return "cancelled: " + c.detail;
    case EndKind::BadDestination:
      return "cancelled: bad destination";
    case EndKind::StorageUnavailable:
      return "failed: storage unavailable";
    case EndKind::Busy:
      return "busy";
    case EndKind::NoAnswer:
      return "no-answer";
    case EndKind::NoResponse:
      return "failed: no response from " + c.detail;
    case EndKind::Rejected:
      return "rejected: " + status + " " + c.detail;
    case EndKind::Failed:
      return "failed: " + status + " " + c.detail;
    case EndKind::NoSdpOffer:
      return "rejected: 488 no acceptable SDP offer";
    case EndKind::NoSdpAnswer:
      return "failed: no acceptable SDP answer";
    case EndKind::NoMediaPort:
      return received(kind) ? "rejected: 503 no media port" : "failed: no free RTP port";
    case EndKind::NoLine:
      return "failed: no line with a free channel";
    case EndKind::NoSipRequest:
      return "failed: cannot create the SIP request";
    case EndKind::EndedBeforeAnswer:
      return "failed: call ended before an answer";
    case EndKind::Refused:
      return "refused: " + c.detail;
    case EndKind::Unreachable:
      return "failed: " + c.detail;
    case EndKind::Shutdown:
      return "ended by shutdown";
    case EndKind::AnsweredElsewhere:
      return "cancelled: answered on another phone";
  }
  return "?";
}

}  // namespace callbackd::pbx

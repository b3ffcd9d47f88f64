#pragma once
// One SIP dialog with its RTP session, as the call core sees it, and the state machine it moves through.
// Legs belong to a Call and are only touched on the call-control thread. Every move goes through
// transition(), which checks the table in leg.cpp and logs it; how a leg ended is a typed EndCause.
#include <cstdint>
#include <optional>
#include <string>

#include "callback/caller_match.hpp"
#include "media/sdp.hpp"
#include "pbx/ports.hpp"
#include "store/types.hpp"

namespace callbackd::pbx {

// Relay: a call the attendant placed for its caller (Call Relay); it moves like a Callback leg. Phone: a call
// from a registered phone that proved its extension by digest; it moves like an Inbound leg but never
// triggers a callback.
enum class LegKind { Inbound, Callback, Relay, Phone };
// A leg of an INVITE we received (we answer it), as opposed to one we sent.
constexpr bool received(LegKind kind) {
  return kind == LegKind::Inbound || kind == LegKind::Phone;
}

// Inbound:  Offered -> Answered | Cancelled | Rejected; Answered -> Cancelled (a CANCEL that overtook our
// 200). Callback: Dialing -> Proceeding (100) -> Alerting (18x) -> Answered | Failed; a ring timeout ->
// Cancelling. Every state -> Ended when the dialog is gone.
enum class LegState {
  Offered,
  Dialing,
  Proceeding,
  Alerting,
  Answered,
  Cancelling,
  Cancelled,
  Rejected,
  Failed,
  Ended
};

enum class LegEvent {
  CallerCancel,  // inbound: CANCEL from the caller
  Answer,        // inbound: we answer; callback: the far end's 2xx
  Reject,        // inbound: we refuse with a final response
  Trying,        // callback: 100 (or any 1xx below 180)
  Ringing,       // callback: 180-199
  RingTimeout,   // callback: ring_timeout_s passed, we give up
  Failure,       // callback: a final response >= 300, or no response at all
  DialogEnded,   // BYE, CANCEL done, transport failure, shutdown
};

const char* to_string(LegState s);
const char* to_string(LegEvent e);
// The state `event` moves `from` to, or nullopt when the move is not allowed.
std::optional<LegState> next_state(LegKind kind, LegState from, LegEvent event);

// How a leg ended, for its call record and (for callbacks) its job. Turned into text only by describe().
enum class EndKind {
  Unknown,
  Answered,
  AttendantAnswered,
  CallerHungUp,
  Triggered,        // detail: the job id
  TriggerUnstored,  // the job waits in memory for the store
  NotTriggered,     // detail: the screening verdict
  BadDestination,   // the entry's destination cannot be dialled
  StorageUnavailable,
  Busy,
  NoAnswer,
  NoResponse,  // detail: the callee URI
  Rejected,    // sip_status: what we answered
  Failed,      // sip_status and detail: the far end's final response
  NoSdpOffer,
  NoSdpAnswer,
  NoMediaPort,
  NoLine,
  NoSipRequest,
  EndedBeforeAnswer,
  Refused,      // detail: the policy's reason
  Unreachable,  // detail: what could not be reached
  Shutdown,
  AnsweredElsewhere,  // a fork cancelled because another phone of the extension answered
};
struct EndCause {
  EndKind kind = EndKind::Unknown;
  int sip_status = 0;
  std::string detail;
};
// How a failed callback attempt is retried (JobRunner): busy and no answer after retry_delay_s; the network,
// the line or a server error (5xx) with backoff; a refusal (another 4xx, a policy refusal, no usable SDP)
// never, since it would fail the same way again.
enum class RetryClass { AfterInterval, WithBackoff, Never };
RetryClass retry_class(const EndCause& cause);

// The one text of each cause: the call record's result and the job's last_result ("busy", "no-answer", ...).
std::string describe(const EndCause& cause, LegKind kind = LegKind::Callback);
// The cause's kind as one word for call records' end_cause ("busy", "caller-hung-up"), stable for filters.
const char* end_cause_name(const EndCause& cause, LegKind kind = LegKind::Callback);
// A callback's final response as a cause: 486/600/603 busy, 408/480/487 no answer, anything else failed.
EndCause cause_of_failure(int status, const std::string& phrase);

struct Leg {
  Leg(Loop& loop, LegId leg_id, LegKind leg_kind, LegState initial)
      : id(leg_id), kind(leg_kind), state(initial), answer_timer(loop), ring_timer(loop) {}

  LegId id;
  LegKind kind;
  LegState state;
  std::string line;     // the line this leg holds a channel of; empty when none
  std::string caller;   // normalised caller number (inbound) or destination (callback, relay)
  std::string peer_ip;  // where the leg's far end is (an inbound INVITE's source), for security events
  callback::CallerIdInput caller_id;
  TimePoint started;  // when the INVITE arrived (inbound) or was sent (callback)
  std::optional<media::Negotiated> remote_media;
  std::optional<std::uint64_t> media;
  std::uint16_t media_port = 0;
  std::uint64_t sdp_session = 0;       // o= session id of our SDP, kept for re-INVITE answers
  std::optional<std::int64_t> job_id;  // callback: the job this leg is an attempt of
  std::optional<EndCause> cause;       // set once, by the first event that decides how the leg ends
  store::CallRecord record;            // written once, when the leg ends
  Timer answer_timer;                  // inbound: answer after answer_delay_s
  Timer ring_timer;                    // callback: give up after ring_timeout_s
};

// Applies `event` to the leg: moves it by the table and logs "leg 42: Alerting -> Answered (Answer)". An
// illegal move is refused and logged; returns whether the leg moved (a self-move counts as moved).
bool transition(Leg& leg, LegEvent event);
// Sets the cause unless one is already set: the first decision wins.
void decide(Leg& leg, EndCause cause);

}  // namespace callbackd::pbx

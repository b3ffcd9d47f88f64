#pragma once
// Anti-toll-fraud screening as a chain of small steps. The control thread screens every trigger before it
// creates a job, and passes every outgoing INVITE through check_outgoing(). Pure functions but for
// check_outgoing()'s security event: no store, no clock (the duplicate check needs the store and stays with
// the caller).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callback/caller_match.hpp"
#include "callback/destination.hpp"
#include "callback/toll_policy.hpp"
#include "store/types.hpp"

namespace callbackd::callback {

enum class Verdict {
  Accept,
  RejectWithheld,
  RejectMalformed,
  RejectUnknown,
  RejectDisabled,
  RejectLateCancel,
  RejectDuplicate,
  RejectOpenJob,    // the caller's previous callback is still pending or dialing
  RejectRateLimit,  // the caller had callback.max_per_hour (or max_per_day) callbacks already
};
std::string_view to_string(Verdict v);

struct TriggerInput {
  CallerIdInput caller;
  std::chrono::milliseconds ring_time{0};  // INVITE -> CANCEL
  std::chrono::seconds trigger_window{0};  // a cancel this long after the INVITE or sooner is a trigger
};

struct TriggerDecision {
  Verdict verdict = Verdict::RejectUnknown;
  std::string caller_number;                      // normalised; set whenever the caller ID was Valid
  const store::AuthorizedPhone* phone = nullptr;  // points into the vector given to screen_trigger
};

// Steps, in order: caller ID (withheld, malformed) -> trusted caller -> callback enabled -> trigger window.
TriggerDecision screen_trigger(const TriggerInput& in, const std::vector<store::AuthorizedPhone>& phones);
// The same steps when the caller looked the entry up itself (find_trusted_caller(Store&, ...), maybe on the
// store worker): `id` is classify_caller_id(in.caller), `phone` the entry found for id.number or nullptr.
// The decision's phone is `phone`.
TriggerDecision screen_trigger(const TriggerInput& in, const CallerId& id,
                               const store::AuthorizedPhone* phone);

// Where the callback goes: the entry's destination, or the caller's own number when it is empty, read by the
// one destination parser under the entry's callback_type (an "auto" number entry's caller as a PSTN number,
// never as a SIP address); a refusal carries the reason.
ParsedDestination resolve_destination(const store::AuthorizedPhone& phone, std::string_view caller_number);

// One outgoing call as check_outgoing() needs to judge and report it.
struct OutgoingCall {
  CallPurpose purpose = CallPurpose::Callback;
  const LineDialing* line = nullptr;  // how the line the call leaves on dials; nullptr: [policy] country
  std::string_view destination;       // the text as stored or dialled, for the security event when unparsable
  std::string_view from;         // the address of whoever asked for the call (a relay caller); may be empty
  std::string_view subject;      // what the call is for, for the security event: "job 12", a caller number
  std::string_view entry = "-";  // the Authorized Phones entry it is placed for, for the security event
};

// The one check every outgoing INVITE passes (callbacks, relayed calls, calls placed from a remote
// configuration), on the destination as the job row or the caller gave it: the grammar first (so a row that
// an older version wrote and today's grammar refuses fails here, with the reason), then the toll-fraud
// policy. The judgement's number is what the Request-URI's user must be (the normalised number, never the
// keys pressed); a refusal's reason is a phrase that fits after "refused: " ("premium-rate", "invalid", ...),
// and a destination-refused security event is logged with it.
Judgement check_outgoing(const TollPolicy& policy, const ParsedDestination& target, const OutgoingCall& call);

}  // namespace callbackd::callback

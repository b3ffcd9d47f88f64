#pragma once
// Anti-toll-fraud screening as a chain of small steps. The control thread screens every trigger before it
// creates a job, and passes every outgoing callback INVITE through check_outgoing(). Pure functions: no
// store, no clock (the duplicate check needs the store and stays with the caller).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callback/caller_match.hpp"
#include "callback/destination.hpp"
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
// one destination parser under the entry's callback_type; a refusal carries the reason.
ParsedDestination resolve_destination(const store::AuthorizedPhone& phone, std::string_view caller_number);

// The one check every outgoing INVITE passes, on the destination as the job row gave it back (so a row that
// an older version wrote and today's grammar refuses fails here, with the reason). Empty when the target may
// be dialled, otherwise the reason; rules beyond the grammar (a relay's permissions, number blocks) go here.
std::string check_outgoing(const ParsedDestination& target);

}  // namespace callbackd::callback

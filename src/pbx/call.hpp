#pragma once
// A call: one leg (a ring-once trigger, a callback, a call the attendant answers) or two (the caller and the
// far leg the attendant placed for it: Call Relay), and what its legs share: the Auto Attendant session, who
// the caller is, and the duration limits. The call ends when its last leg has ended.
#include <memory>
#include <optional>
#include <vector>

#include "ivr/attendant.hpp"
#include "pbx/leg.hpp"
#include "store/types.hpp"

namespace callbackd::pbx {

using CallId = std::uint64_t;

struct Call {
  Call(Loop& loop, CallId call_id) : id(call_id), aa_timer(loop), limit_timer(loop), relay_timer(loop) {}

  Leg* leg(LegId leg_id) {
    for (auto& l : legs) {
      if (l->id == leg_id) return l.get();
    }
    return nullptr;
  }

  CallId id;
  std::vector<std::unique_ptr<Leg>> legs;  // the first is the leg the call began with
  std::optional<ivr::Attendant> attendant;
  LegId attendant_leg = 0;    // the leg that hears the attendant
  LegId far_leg = 0;          // the relayed call's leg while it exists
  bool far_reported = false;  // the attendant has heard how the far leg's INVITE went (answer or failure)
  // A direct call (phone.cpp): the caller rings an extension without the attendant, and is answered only
  // when the extension answers; attendant_leg is still the caller's leg.
  bool direct = false;
  // The far legs still ringing when an extension's phones ring at once (fork.cpp); far_leg is one of them.
  std::vector<LegId> forks;
  std::optional<EndCause> fork_cause;  // the most telling way a fork failed so far (busy > no answer)
  std::string caller_number;           // of the attendant's caller: lockouts and relay caps count by it
  // The attendant caller's entry in the Authorized Phones Database (its callback's, or the one its caller ID
  // names), for Remote Call Back Configuration (remote.cpp): who may log in to it, its own entry.
  std::optional<std::int64_t> caller_entry;
  // caller_entry for a security event: a called-back caller is counted by the address its callback reached,
  // and the entry tells an admin which trusted caller that was ("-" when none).
  std::string entry_ref() const { return caller_entry ? std::to_string(*caller_entry) : std::string("-"); }
  // The caller ID the remote configuration compares with an entry's address, normalised: of a call the
  // attendant answered, its own; of a callback, its trigger's (the phone reached may be a SIP destination).
  std::string caller_id;
  // A callback asked for by phone (*5, *6), stored: handed to the job runner when this call ends, so that
  // it never rings the caller's phone while the caller still hears the goodbye.
  std::optional<store::CallbackJob> remote_job;
  Timer aa_timer;     // the attendant's digit/response timer
  Timer limit_timer;  // max_call_duration_s
  Timer relay_timer;  // policy: the longest a relayed call may last
};

}  // namespace callbackd::pbx

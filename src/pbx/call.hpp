#pragma once
// A call: one leg (a ring-once trigger, a callback, a call the attendant answers) or two (Call Relay, next),
// and what its legs share: the Auto Attendant session and the call's duration limit. The call ends when its
// last leg has ended.
#include <memory>
#include <optional>
#include <vector>

#include "ivr/auto_attendant.hpp"
#include "pbx/leg.hpp"

namespace callbackd::pbx {

using CallId = std::uint64_t;

struct Call {
  Call(Loop& loop, CallId call_id) : id(call_id), aa_timer(loop), limit_timer(loop) {}

  Leg* leg(LegId leg_id) {
    for (auto& l : legs) {
      if (l->id == leg_id) return l.get();
    }
    return nullptr;
  }

  CallId id;
  std::vector<std::unique_ptr<Leg>> legs;  // the first is the leg the call began with
  std::optional<ivr::AutoAttendant> attendant;
  LegId attendant_leg = 0;  // the leg that hears the attendant
  Timer aa_timer;           // the attendant's digit/idle timer
  Timer limit_timer;        // max_call_duration_s
};

}  // namespace callbackd::pbx

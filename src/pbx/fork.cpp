// Ringing every phone of an extension at once: each registered contact gets its own far leg (a fork) in the
// same Call. The first to answer is the far leg and the others are cancelled; the caller hears of a failure
// only when the last fork has failed, with the most telling cause among them (busy, then no answer).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "callback/text.hpp"
#include "pbx/call_manager.hpp"

namespace callbackd::pbx {
namespace {

int rank(const EndCause& cause) {
  if (cause.kind == EndKind::Busy) return 2;
  return cause.kind == EndKind::NoAnswer ? 1 : 0;
}

bool contains(const std::vector<LegId>& legs, LegId id) {
  return std::find(legs.begin(), legs.end(), id) != legs.end();
}

}  // namespace

std::size_t CallManager::place_forks(Call& call, const Leg& caller, const std::vector<std::string>& contacts,
                                     const std::string& from_uri, const std::string& number) {
  call.forks.clear();
  call.fork_cause.reset();
  for (const auto& contact : contacts) {
    Leg* far = place_leg(call, LegKind::Relay, contact, from_uri, "");
    if (far == nullptr) continue;
    far->caller = number;
    far->record.direction = "extension";
    far->record.job_id = caller.record.job_id;
    call.forks.push_back(far->id);
    spdlog::info("call {}: ringing extension {} at {} (leg {})", call.id, number,
                 callback::text::log_escape(contact), far->id);
  }
  if (!call.forks.empty()) call.far_leg = call.forks.front();
  return call.forks.size();
}

bool CallManager::fork_answered(Call& call, Leg& far) {
  if (!contains(call.forks, far.id) && far.id != call.far_leg) {
    // Its 200 crossed our CANCEL: another phone had answered already.
    decide(far, {EndKind::AnsweredElsewhere, 0, ""});
    deps_.sip.hangup(far.id);
    return false;
  }
  for (LegId other : call.forks) {
    if (other == far.id) continue;
    if (Leg* leg = call.leg(other)) decide(*leg, {EndKind::AnsweredElsewhere, 0, ""});
    deps_.sip.hangup(other);
  }
  call.forks.clear();
  call.far_leg = far.id;
  return true;
}

bool CallManager::fork_lost(Call& call, Leg& far) {
  auto it = std::find(call.forks.begin(), call.forks.end(), far.id);
  if (it == call.forks.end()) return far.id != call.far_leg;  // a fork cancelled after the answer
  call.forks.erase(it);
  if (far.cause && (!call.fork_cause || rank(*far.cause) > rank(*call.fork_cause)))
    call.fork_cause = far.cause;
  if (call.forks.empty()) return false;  // the last one: the caller hears how it went
  if (call.far_leg == far.id) call.far_leg = call.forks.front();
  return true;
}

EndCause CallManager::reported_cause(Call& call, const Leg& far) {
  EndCause cause = call.fork_cause.value_or(far.cause.value_or(EndCause{}));
  call.fork_cause.reset();
  return cause;
}

void CallManager::hangup_far(Call& call) {
  for (LegId fork : call.forks) {
    if (fork != call.far_leg) deps_.sip.hangup(fork);
  }
  if (call.far_leg != 0) deps_.sip.hangup(call.far_leg);
}

}  // namespace callbackd::pbx

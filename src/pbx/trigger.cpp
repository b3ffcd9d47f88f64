#include "pbx/trigger.hpp"

#include "callback/caller_match.hpp"
#include "pbx/job_destination.hpp"

namespace callbackd::pbx {
namespace {

store::CallbackJob make_job(const TriggerRequest& r, const store::AuthorizedPhone& phone,
                            const std::string& caller, const callback::Destination& target) {
  store::CallbackJob job;
  job.authorized_phone_id = phone.id;
  job.caller = caller;
  job.destination = to_job_destination(target);
  job.line = r.line;
  job.created_at_ms = r.arrived_ms;
  job.created_at = job.created_at_ms / 1000;
  job.due_at = job.created_at + phone.callback_delay_s.value_or(r.default_delay_s);
  return job;
}

// The cap on the caller's callbacks this trigger would exceed, if any: counted in the store, so jobs of every
// state count (a fraudster's callbacks that failed cost as much), and a restart forgets nothing.
std::optional<std::string> over_cap(store::Store& store, const TriggerRequest& r, const std::string& caller) {
  constexpr std::int64_t kHourMs = std::int64_t{3600} * 1000;
  if (r.max_per_hour > 0 && store.count_jobs_for_caller_ms(caller, r.arrived_ms - kHourMs) >= r.max_per_hour)
    return std::to_string(r.max_per_hour) + " per hour";
  if (r.max_per_day > 0 &&
      store.count_jobs_for_caller_ms(caller, r.arrived_ms - 24 * kHourMs) >= r.max_per_day)
    return std::to_string(r.max_per_day) + " per day";
  return std::nullopt;
}

}  // namespace

TriggerResult run_trigger(store::Store& store, const TriggerRequest& r) {
  TriggerResult out;
  // Indexed lookup: only the entries that can match this number are read, not the whole database.
  const auto caller_id = callback::classify_caller_id(r.input.caller);
  const auto phone = caller_id.status == callback::CallerIdStatus::Valid
                         ? callback::find_trusted_caller(store, caller_id.number)
                         : std::nullopt;
  const auto decision = callback::screen_trigger(r.input, caller_id, phone ? &*phone : nullptr);
  out.verdict = decision.verdict;
  out.caller_number = decision.caller_number;
  if (phone) out.phone_id = phone->id;
  if (out.verdict != callback::Verdict::Accept) return out;
  // In milliseconds: two triggers within one wall-clock second are two triggers unless min_interval_s says
  // not. Read in the worker's batch, so a job stored by a trigger just before this one counts.
  const auto since_ms = r.arrived_ms - std::int64_t{r.min_interval_s} * 1000;
  if (r.min_interval_s > 0 && store.latest_job_for_caller_ms(out.caller_number, since_ms)) {
    out.verdict = callback::Verdict::RejectDuplicate;
    return out;
  }
  // At most one open job per caller: a ring-once while the callback is still to come adds no second one,
  // whatever min_interval_s says (a caller who rings again because it is slow must not be called twice).
  if (r.caller_has_unsaved || store.open_job_for_caller(out.caller_number)) {
    out.verdict = callback::Verdict::RejectOpenJob;
    return out;
  }
  if (auto cap = over_cap(store, r, out.caller_number)) {
    out.verdict = callback::Verdict::RejectRateLimit;
    out.rate_limit = std::move(*cap);
    return out;
  }
  const auto target = callback::resolve_destination(*phone, out.caller_number);
  if (!target) {
    out.bad_destination = target.error;
    return out;
  }
  out.job = make_job(r, *phone, out.caller_number, *target);
  try {
    out.job = store.create_job(*out.job);
    out.stored = true;
  } catch (const store::StoreError& e) {
    out.store_error = e.what();
  }
  return out;
}

}  // namespace callbackd::pbx

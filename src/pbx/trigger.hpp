#pragma once
// The store's half of a ring-once trigger, run on the store worker in one call (one batch, one fsync): find
// the trusted caller, screen the trigger, check for a duplicate, and store the job. The call core's half
// (inbound.cpp) gathers the input on the loop and acts on the result there.
#include <cstdint>
#include <optional>
#include <string>

#include "callback/policy.hpp"
#include "store/store.hpp"

namespace callbackd::pbx {

struct TriggerRequest {
  callback::TriggerInput input;
  std::string line;                  // the line the trigger came in on, where the callback goes out
  store::UnixTimeMs arrived_ms = 0;  // when the caller's CANCEL arrived
  int min_interval_s = 0;
  int default_delay_s = 0;
  // The caller has a job the store refused, kept in memory: an open job the database does not show.
  bool caller_has_unsaved = false;
  int max_per_hour = 0;  // callback.max_per_hour, max_per_day; 0: no cap
  int max_per_day = 0;
};

struct TriggerResult {
  callback::Verdict verdict = callback::Verdict::RejectUnknown;
  std::string caller_number;              // normalised, when the caller ID was valid
  std::optional<std::int64_t> phone_id;   // the matching entry
  std::string bad_destination;            // accepted, but the entry's destination cannot be dialled: why
  std::optional<store::CallbackJob> job;  // accepted: the job, with its id when stored
  bool stored = false;
  std::string store_error;  // accepted, but the store refused the job: why (it is then kept in memory)
  std::string rate_limit;   // RejectRateLimit: the cap reached, e.g. "10 per hour"
};

// Throws StoreError when the lookup itself fails (the trigger is then lost, and said so by the caller).
TriggerResult run_trigger(store::Store& store, const TriggerRequest& request);

}  // namespace callbackd::pbx

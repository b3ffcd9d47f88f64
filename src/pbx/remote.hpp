#pragma once
// Remote Call Back Configuration by phone (*6 permanent, *5 one-time): the store's half, run on the store
// worker in one call (one batch: the entry, its audit row and the job are kept together or not at all). The
// call core's half (remote.cpp) checks the policy on the loop first and acts on the outcome there.
#include <cstdint>
#include <optional>
#include <string>

#include "ivr/attendant.hpp"
#include "store/store.hpp"

namespace callbackd::pbx {

// How long after the caller hangs up a callback asked for by phone is due, and how long it then waits for a
// free channel: together well within the 45 s the seed promises.
inline constexpr int kRemoteDelayS = 3;
inline constexpr int kRemoteLineWaitS = 35;

struct RemoteWork {
  ivr::RemoteKind kind = ivr::RemoteKind::OneTime;
  std::string extension;  // logged in as
  std::string caller;     // the calling phone's caller ID, normalised ("" when it has none)
  std::optional<std::int64_t> caller_entry;  // the calling phone's entry
  std::string entry_number;                  // normalised; "" for the calling phone's own entry
  std::string destination;      // normalised as typed, what the entry stores; "" for its own number
  std::string job_destination;  // the resolved callback destination (to_job_destination)
  std::string line;             // where the callback goes out
  bool line_up = true;          // some line is up
  store::UnixTimeMs now_ms = 0;
};

struct RemoteApplied {
  ivr::RemoteOutcome outcome = ivr::RemoteOutcome::Failed;
  std::optional<store::CallbackJob> job;  // Scheduled: the pending job, stored
};

// Throws StoreError when the store refuses (the batch then keeps none of it).
RemoteApplied apply_remote_work(store::Store& store, const RemoteWork& work);

}  // namespace callbackd::pbx

#pragma once
// The one owner of the callback job lifecycle: due times, the wait for a free line, the retry of a job the
// store refused, and the attempt in flight. Every state change is a job event through one transition point,
// which makes the store's compare-and-set (on the store worker) and logs "job 7: pending -> dialing
// (claimed, attempt 1)" once it is on disk.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "callback/job_scheduler.hpp"
#include "pbx/leg.hpp"
#include "pbx/ports.hpp"
#include "pbx/settings.hpp"
#include "store/types.hpp"

namespace callbackd::pbx {

enum class JobEvent { Recovered, Claimed, Answered, AttemptFailed, Retry, Cancelled, Interrupted };
const char* to_string(JobEvent e);

// What the runner needs from the call core to make an attempt.
class JobDialer {
 public:
  virtual ~JobDialer() = default;
  // True when the job needs a line and none has a free channel now (the runner then waits for one).
  virtual bool waits_for_line(const store::CallbackJob& job) = 0;
  // Starts the attempt's leg. Empty when it is ringing out; otherwise why it could not start (the attempt
  // failed, and the runner records it).
  virtual std::optional<EndCause> dial(const store::CallbackJob& job) = 0;
};

class JobRunner {
 public:
  JobRunner(Loop& loop, StorePort& store, const Clock& clock, const CallbackSettings& settings,
            JobDialer& dialer);
  ~JobRunner() { *alive_ = false; }
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  void start();  // recovers jobs a crash left dialing, loads pending ones (when the store answers)
  // A trigger's job, stored: it is dialled when due. `line_wait_s` replaces callback.line_wait_s for this
  // job (a callback promised by phone within 45 s waits no longer than that for a free line).
  void adopt(const store::CallbackJob& job, std::optional<int> line_wait_s = std::nullopt);
  // A trigger's job the store refused (locked, full disk): kept in memory and offered to the store again
  // until it takes it, rather than lose the callback; the caller has hung up.
  void keep_unsaved(const store::CallbackJob& job, const std::string& why);
  bool has_unsaved_for(const std::string& caller) const;
  // Outcomes of the attempt in flight, from the call core.
  void answered(std::int64_t job_id, bool media_ok);
  // Retried by the cause's RetryClass while attempts are left; the job's last_result is describe(cause).
  void attempt_failed(std::int64_t job_id, const EndCause& cause);
  void cancelled(std::int64_t job_id);  // an admin cancelled it (the REST API did the store's part)
  // Attempts in flight go back to pending so the next start dials them again; nothing more is dialed.
  void shutdown();
  // Dials nothing more (draining before shutdown): due jobs stay pending in the store for the next start,
  // callbacks already dialing go on.
  void hold();

  std::size_t scheduled() const { return due_.size(); }
  std::size_t unsaved() const { return unsaved_.size(); }
  bool in_flight(std::int64_t job_id) const { return in_flight_.contains(job_id); }

 private:
  using Moved = std::function<void(bool moved)>;
  // Wraps a store continuation so that it does nothing once the runner is gone.
  template <typename F>
  auto guarded(F f) {
    return [alive = alive_, f = std::move(f)](const auto& out) mutable {
      if (*alive) f(out);
    };
  }
  // For Dialing -> Pending (a retry), the job is due again in retry_in_s.
  void move(std::int64_t id, store::JobState from, store::JobState to, JobEvent event,
            const std::string& result, Moved then = nullptr, int retry_in_s = 0);
  int retry_delay_s(RetryClass retry, int attempt) const;
  // Runs fn again after kStoreRetry (a store call that failed: locked database, full disk).
  void later(std::function<void()> fn);
  void loaded(const std::vector<store::CallbackJob>& pending);
  void schedule(const store::CallbackJob& job, std::chrono::milliseconds after);
  void arm();
  void run_due();
  void attempt(std::int64_t id);
  void claimed(std::int64_t id, const std::optional<store::CallbackJob>& job);
  bool wait_for_line(const store::CallbackJob& job);
  void retry_unsaved();
  store::UnixTime now_unix() const;
  void forget(std::int64_t id);  // the runner is done with a job

  Loop& loop_;
  StorePort& store_;
  const Clock& clock_;
  const CallbackSettings& settings_;
  JobDialer& dialer_;
  callback::JobScheduler due_;
  std::unordered_map<std::int64_t, store::CallbackJob> known_;  // what the loop knows of each scheduled job
  std::unordered_map<std::int64_t, int> line_wait_s_;           // adopt()'s own waits for a line, by job
  Timer due_timer_;
  std::map<std::uint64_t, store::CallbackJob> unsaved_;  // by arrival, so they are stored in order
  std::uint64_t next_unsaved_ = 1;
  bool storing_unsaved_ = false;
  Timer unsaved_timer_;
  std::unordered_map<std::int64_t, int> in_flight_;  // job id -> attempt number
  std::unordered_set<std::int64_t> waiting_for_line_;
  std::unordered_set<std::int64_t> waiting_for_slot_;  // callback.max_concurrent reached
  bool stopping_ = false;
  bool holding_ = false;
  // Store results posted after the runner is gone (shutdown) check this before touching it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace callbackd::pbx

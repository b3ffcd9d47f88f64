#pragma once
// The one owner of the callback job lifecycle: due times, the wait for a free line, the retry of a job the
// store refused, and the attempt in flight. Every state change is a job event through one transition point,
// which makes the store's compare-and-set and logs "job 7: pending -> dialing (attempt 1)".
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "callback/job_scheduler.hpp"
#include "pbx/ports.hpp"
#include "pbx/settings.hpp"
#include "store/store.hpp"

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
  virtual std::optional<std::string> dial(const store::CallbackJob& job) = 0;
};

class JobRunner {
 public:
  JobRunner(Loop& loop, store::Store& store, const Clock& clock, const CallbackSettings& settings,
            JobDialer& dialer);

  void start();  // recovers jobs a crash left dialing, loads pending ones
  // A new trigger's job: stored now, or kept in memory and stored when the database is back. Returns the id
  // when it is stored.
  std::optional<std::int64_t> submit(const store::CallbackJob& job);
  bool has_unsaved_for(const std::string& caller) const;
  // Outcomes of the attempt in flight, from the call core.
  void answered(std::int64_t job_id, bool media_ok);
  void attempt_failed(std::int64_t job_id, const std::string& outcome);
  void cancelled(std::int64_t job_id);  // an admin cancelled it (the REST API did the store's part)
  // Attempts in flight go back to pending so the next start dials them again; nothing more is dialed.
  void shutdown();

  std::size_t scheduled() const { return due_.size(); }
  std::size_t unsaved() const { return unsaved_.size(); }
  bool in_flight(std::int64_t job_id) const { return in_flight_.contains(job_id); }

 private:
  bool move(std::int64_t id, store::JobState from, store::JobState to, JobEvent event,
            const std::string& result);
  void schedule(std::int64_t id, std::chrono::milliseconds after);
  void arm();
  void run_due();
  void attempt(std::int64_t id);
  bool wait_for_line(const store::CallbackJob& job);
  void retry_unsaved();
  store::UnixTime now_unix() const;

  store::Store& store_;
  const Clock& clock_;
  const CallbackSettings& settings_;
  JobDialer& dialer_;
  callback::JobScheduler due_;
  Timer due_timer_;
  std::vector<store::CallbackJob> unsaved_;
  Timer unsaved_timer_;
  std::unordered_map<std::int64_t, int> in_flight_;  // job id -> attempt number
  std::unordered_set<std::int64_t> waiting_for_line_;
  bool stopping_ = false;
};

}  // namespace callbackd::pbx

#pragma once
// The call-control core: it receives SIP and media events on the event-loop thread, screens inbound calls on
// the lines, turns ring-once cancels from trusted callers into persistent callback jobs, dials the jobs when
// due and runs the Auto Attendant on answered legs.
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "callback/job_scheduler.hpp"
#include "media/prompt.hpp"
#include "media/rtp_engine.hpp"
#include "pbx/leg.hpp"
#include "pbx/line_pool.hpp"
#include "pbx/settings.hpp"
#include "sip/event_loop.hpp"
#include "sip/sip_stack.hpp"
#include "store/store.hpp"

namespace callbackd::pbx {

struct CallManagerDeps {
  sip::EventLoop& loop;
  store::Store& store;
  media::RtpEngine& media;
  const media::PromptCatalog& prompts;
  const callback::ClockSource& clock;
};

class CallManager final : public sip::SipEvents {
 public:
  CallManager(CallManagerDeps deps, PbxSettings settings);
  ~CallManager() override;
  CallManager(const CallManager&) = delete;
  CallManager& operator=(const CallManager&) = delete;

  void attach(sip::SipStack& sip) { sip_ = &sip; }
  // Loads pending jobs from the store (and recovers jobs a crash left dialing). Call once, on the loop.
  void start();
  // Hangs up every leg and puts jobs that were dialing back to pending, so a restart dials them again.
  void shutdown();
  // From any thread: an admin cancelled job `id`.
  void job_cancelled(std::int64_t id);
  // From the media thread.
  void media_event(const media::MediaEvent& ev);

  std::size_t legs() const { return legs_.size(); }

  // sip::SipEvents
  void on_invite(sip::LegId leg, const sip::InviteInfo& info) override;
  void on_cancel(sip::LegId leg) override;
  void on_progress(sip::LegId leg, int status) override;
  void on_answered(sip::LegId leg, const std::string& sdp) override;
  void on_failed(sip::LegId leg, int status, const std::string& phrase) override;
  void on_dtmf_info(sip::LegId leg, char digit) override;
  void on_reinvite(sip::LegId leg, const std::string& sdp) override;
  void on_ended(sip::LegId leg) override;

 private:
  // inbound.cpp
  void reject_inbound(sip::LegId id, const sip::InviteInfo& info, const std::string& line, int status);
  void answer_inbound(sip::LegId id);
  void trigger(Leg& leg);
  // dialer.cpp
  std::optional<std::int64_t> persist_job(const store::CallbackJob& job);  // nullopt: kept for a retry
  void arm_job_timer();
  void run_due_jobs();
  void dial_job(std::int64_t job_id);
  bool wait_for_line(std::int64_t job_id);  // true: the job was put back to wait for a free line
  void finish_attempt(std::int64_t job_id, const std::string& outcome);
  void start_callback_leg(const store::CallbackJob& job, const std::string& request_uri,
                          const std::string& from_uri, const std::string& line);
  // attendant.cpp
  void start_attendant(Leg& leg);
  void feed_attendant(Leg& leg, const ivr::AaEvent& ev);
  void play(Leg& leg, const std::vector<std::string>& keys);
  void on_digit(Leg& leg, char digit, const char* via);
  // call_manager.cpp
  Leg* find(sip::LegId id);
  void transition(Leg& leg, LegState next);
  bool open_media(Leg& leg);
  void close_leg_resources(Leg& leg);
  void write_record(Leg& leg);
  void release_media(Leg& leg);
  void cancel_timer(std::optional<sip::EventLoop::TimerId>& timer);
  store::UnixTime now_unix() const;

  CallManagerDeps deps_;
  PbxSettings settings_;
  LinePool lines_;
  sip::SipStack* sip_ = nullptr;
  std::unordered_map<sip::LegId, Leg> legs_;
  std::unordered_map<media::SessionId, sip::LegId> media_legs_;
  callback::JobScheduler jobs_;
  std::optional<sip::EventLoop::TimerId> job_timer_;
  // Triggers whose job the store refused (locked, disk full): stored by a retry timer, dialed after that.
  static constexpr std::chrono::seconds kStoreRetry{2};
  std::vector<store::CallbackJob> unsaved_jobs_;
  std::optional<sip::EventLoop::TimerId> unsaved_timer_;
  // PSTN jobs due while every line is busy are looked at again every kLineRetry, up to line_wait_s.
  static constexpr std::chrono::seconds kLineRetry{1};
  std::unordered_set<std::int64_t> waiting_for_line_;
  std::uint64_t next_sdp_session_ = 1;
  bool shutting_down_ = false;
  // Posted closures check this before touching the manager: media and HTTP threads may post after shutdown.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace callbackd::pbx

#pragma once
// The call core's front: it routes SIP and media events to the call each leg belongs to, wires the job runner
// to the dialer, and shuts down. Inbound screening and the trigger live in inbound.cpp, callback legs in
// outbound.cpp, the attendant in attendant.cpp; leg moves in leg.cpp and the job lifecycle in job_runner.cpp.
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "media/prompt.hpp"
#include "pbx/call.hpp"
#include "pbx/job_runner.hpp"
#include "pbx/line_keepalive.hpp"
#include "pbx/line_pool.hpp"
#include "pbx/login_guard.hpp"
#include "pbx/overload.hpp"
#include "pbx/ports.hpp"
#include "pbx/relay_caps.hpp"
#include "pbx/settings.hpp"
#include "pbx/trigger.hpp"
#include "sip/sip_stack.hpp"

namespace callbackd::pbx {

struct CallManagerDeps {
  Loop& loop;
  Signalling& sip;
  Media& media;
  StorePort& store;
  const media::PromptCatalog& prompts;
  const Clock& clock;
};

class CallManager final : public sip::SipEvents, private JobDialer {
 public:
  CallManager(CallManagerDeps deps, PbxSettings settings);
  ~CallManager() override;
  CallManager(const CallManager&) = delete;
  CallManager& operator=(const CallManager&) = delete;

  // Loads pending jobs from the store (and recovers jobs a crash left dialing). Call once, on the loop.
  void start();
  // Hangs up every leg and puts jobs that were dialing back to pending, so a restart dials them again.
  void shutdown();
  // SIGTERM's first step: new calls are refused (503, Retry-After) and no job is dialed, while the calls in
  // progress go on; shutdown() ends them. legs() says when none is left.
  void drain();
  // From any thread: an admin cancelled job `id`.
  void job_cancelled(std::int64_t id);
  // From the media thread.
  void media_event(const media::MediaEvent& ev);

  // On the loop (SIGHUP): new lines, callback settings and policy, for calls and jobs from now on
  // (reload.cpp).
  void reload(std::vector<Line> lines, const CallbackSettings& callback,
              const callback::PolicySettings& policy);
  // The same, keeping the policy in force (an admin changed lines or callback settings in web management).
  void reload(std::vector<Line> lines, const CallbackSettings& callback) {
    reload(std::move(lines), callback, settings_.policy);
  }
  // A new [policy] (SIGHUP), judged by the lines in force.
  void set_policy(const callback::PolicySettings& policy) {
    reload(settings_.lines, settings_.callback, policy);
  }

  // Where an extension's registered phones are (the registrar's location service): INVITE targets, oldest
  // registration first. Unset or empty: the extension cannot be reached.
  using Locate = std::function<std::vector<std::string>(const std::string& extension)>;
  void locate_with(Locate locate) { locate_ = std::move(locate); }

  // SIP digest for INVITEs that do not come from a line (the registrar's, registrar.hpp): `done` runs once,
  // on the loop, with the extension the phone proved to be, the challenge to answer with, or Stranger for
  // a source where no phone is registered (403, as when this is unset: no password guessing by INVITE).
  struct PhoneAuth {
    enum class Verdict { Proven, Challenge, Stranger };
    Verdict verdict = Verdict::Stranger;
    std::string extension;
    sip::SipReply challenge;
  };
  using Authenticate =
      std::function<void(const sip::InviteInfo& invite, std::function<void(const PhoneAuth&)> done)>;
  void authenticate_with(Authenticate authenticate) { authenticate_ = std::move(authenticate); }

  // OPTIONS keepalive of the lines' gateways (line_keepalive.hpp) through `pinger`; set before start().
  // Without it every line stays up.
  void keep_lines_alive(Pinger& pinger, KeepaliveSettings settings) {
    keepalive_ = std::make_unique<LineKeepalive>(deps_.loop, pinger, lines_, settings);
  }

  std::size_t legs() const { return call_of_.size(); }
  const JobRunner& jobs() const { return jobs_; }
  const LinePool& lines() const { return lines_; }
  // The toll-fraud policy in force (callback::check_outgoing takes it), rebuilt by reload().
  const callback::TollPolicy& policy() const { return policy_; }

  // sip::SipEvents
  void on_invite(LegId leg, const sip::InviteInfo& info) override;
  void on_cancel(LegId leg) override;
  void on_progress(LegId leg, int status, const std::string& sdp) override;
  void on_answered(LegId leg, const std::string& sdp) override;
  void on_failed(LegId leg, int status, const std::string& phrase) override;
  void on_dtmf_info(LegId leg, char digit) override;
  void on_reinvite(LegId leg, const std::string& sdp) override;
  void on_ended(LegId leg) override;

 private:
  // JobDialer (outbound.cpp)
  bool waits_for_line(const store::CallbackJob& job) override;
  std::optional<EndCause> dial(const store::CallbackJob& job) override;
  std::optional<EndCause> refuse(const store::CallbackJob& job, const std::string& line, std::string why);
  static std::string gateway_uri(const callback::Destination& target, const std::string& number);
  const Line* job_line(const store::CallbackJob& job, const callback::Destination& target) const;
  std::optional<EndCause> start_callback_leg(const store::CallbackJob& job, const std::string& request_uri,
                                             const std::string& from_uri, const std::string& line);
  void end_attempt(Leg& leg);
  // inbound.cpp
  void reject_inbound(LegId id, const sip::InviteInfo& info, const std::string& line, int status);
  void answer_inbound(Call& call, Leg& leg);
  void trigger(Leg& leg);
  void triggered(LegId id, const store::StoreOutcome<TriggerResult>& out);
  void trigger_decided(Leg& leg, const TriggerResult& result);
  // phone.cpp
  void authenticate_phone(LegId id, const sip::InviteInfo& info);
  void phone_call(LegId id, const sip::InviteInfo& info, const std::string& extension);
  void ring_extension(Call& call, Leg& caller, const std::string& number);
  void refuse_direct(Call& call, Leg& caller, const EndCause& cause);
  void direct_answered(Call& call, Leg& far, const std::string& sdp);
  void direct_ended(Call& call, Leg& far);
  // fork.cpp
  std::size_t place_forks(Call& call, const Leg& caller, const std::vector<std::string>& contacts,
                          const std::string& from_uri, const std::string& number);
  bool fork_answered(Call& call, Leg& far);  // false: another fork had answered first; this one gets a BYE
  bool fork_lost(Call& call, Leg& far);      // true: the caller hears nothing of it (another still rings)
  EndCause reported_cause(Call& call, const Leg& far);
  void hangup_far(Call& call);  // the far leg and every fork still ringing
  // attendant.cpp
  void start_attendant(Call& call, Leg& leg, std::optional<std::int64_t> job_id);
  void begin_attendant(Call& call, ivr::AaCaller caller);
  void stop_attendant(Call& call);
  void feed_attendant(Call& call, const ivr::AaEvent& ev);
  bool run_action(Call& call, Leg& leg, const ivr::AaAction& action);  // false: the call is being hung up
  void verify_login(Call& call, Leg& leg, const std::string& extension, const std::string& password);
  // remote.cpp: *5 and *6, once the caller has logged in and confirmed what it typed.
  void apply_remote(Call& call, Leg& leg, const ivr::RemoteRequest& request);
  void remote_result(CallId cid, ivr::RemoteOutcome outcome);
  void adopt_remote_job(Call& call);  // the call ends: its callback asked for by phone is due soon
  // relay.cpp
  void connect(Call& call, Leg& leg, ivr::MenuAction kind, const std::string& target);
  void relay_result(Call& call, ivr::CallOutcome outcome);
  std::size_t relays_of(const std::string& caller) const;  // empty caller: every relayed call
  int relays_on(const std::string& line) const;            // relayed calls holding a channel of `line`
  std::optional<EndCause> relay_capped(Call& call, const Leg& caller);
  static std::string line_uri(const Line& line, const std::string& number);
  const Line* relay_line(const callback::ParsedDestination& target) const;
  std::optional<EndCause> start_relay(Call& call, Leg& caller, const std::string& digits);
  std::optional<EndCause> start_ip_relay(Call& call, Leg& caller, const std::string& keys);
  struct RelayTarget {
    std::string request_uri;
    std::string shown;  // the destination, for the leg and the log
    const Line* line;   // the line it leaves on (its channel, its number as our From); null: none
  };
  std::optional<EndCause> relay_leg(Call& call, Leg& caller, const RelayTarget& target);
  std::optional<EndCause> start_extension_call(Call& call, Leg& caller, const std::string& number);
  Leg* place_leg(Call& call, LegKind kind, const std::string& request_uri, const std::string& from_uri,
                 const std::string& line);
  // relay_media.cpp: what the caller hears of the far leg (its early media, then the answered call).
  void relay_early_media(Call& call, Leg& far, const std::string& sdp);
  void relay_answered(Call& call, Leg& far, const std::string& sdp);
  void relay_failed(Call& call, Leg& far);
  void relay_ended(Call& call, Leg& far);
  void play(Call& call, Leg& leg, const std::vector<std::string>& keys);
  void on_digit(LegId id, char digit, const char* via);
  // call_manager.cpp
  Leg& add_leg(LegId id, LegKind kind, LegState initial);  // in a call of its own
  Leg& join_call(Call& call, LegId id, LegKind kind, LegState initial);
  // The INVITE of every leg we place (callbacks, relayed calls): an RTP port, a line channel when `line` is
  // set, the offer. The leg is added to `call` (a new call when null) holding both; on failure nothing is
  // held.
  std::variant<Leg*, EndCause> send_invite(Call* call, LegKind kind, const std::string& request_uri,
                                           const std::string& from_uri, const std::string& line);
  Call* call_of(LegId id);
  Leg* find(LegId id);
  bool open_media(Leg& leg);
  void release_media(Leg& leg);
  void close_leg(Leg& leg);
  void finish_leg(Call& call, Leg& leg);
  void write_record(Leg& leg);
  void write_record(const store::CallRecord& record, LegId id);
  store::UnixTime now_unix() const;
  store::UnixTimeMs now_ms() const;

  CallManagerDeps deps_;
  PbxSettings settings_;
  LinePool lines_;
  callback::TollPolicy policy_;
  RelayCaps relay_caps_;  // the policy's per-caller hourly and daily caps on relayed calls
  JobRunner jobs_;
  Overload overload_;
  LoginGuard logins_;
  Locate locate_;
  Authenticate authenticate_;
  std::unordered_set<LegId> awaiting_auth_;   // INVITEs from phones whose digest the store is checking
  std::unique_ptr<LineKeepalive> keepalive_;  // after lines_: it holds a reference to them
  CallId next_call_ = 1;
  std::string call_ref_prefix_;  // records' call_ref: this prefix and the call id
  std::unordered_map<CallId, std::unique_ptr<Call>> calls_;
  std::unordered_map<LegId, CallId> call_of_;
  std::unordered_map<std::uint64_t, LegId> media_legs_;  // RTP session -> leg
  std::uint64_t next_sdp_session_ = 1;
  bool shutting_down_ = false;
  // Posted closures check this before touching the manager: media and HTTP threads may post after shutdown.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace callbackd::pbx

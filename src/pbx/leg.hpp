#pragma once
// One SIP dialog with its RTP session, as the pbx sees it. Legs are owned by CallManager and only touched on
// the call-control thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "callback/caller_match.hpp"
#include "ivr/auto_attendant.hpp"
#include "media/rtp_engine.hpp"
#include "media/sdp.hpp"
#include "sip/event_loop.hpp"
#include "sip/sip_stack.hpp"
#include "store/types.hpp"

namespace callbackd::pbx {

enum class LegKind { Inbound, Callback };

// Inbound: Offered -> (Cancelled | Answered | Rejected) -> Ended.
// Callback: Dialing -> Alerting -> Answered -> Ended, or Dialing/Alerting -> Failed -> Ended.
enum class LegState { Offered, Dialing, Alerting, Answered, Cancelled, Rejected, Failed, Ended };

const char* to_string(LegState s);

struct Leg {
  sip::LegId id = 0;
  LegKind kind = LegKind::Inbound;
  LegState state = LegState::Offered;
  std::string line;    // the line this leg holds a channel of; empty when none
  std::string caller;  // normalised caller number (inbound) or destination (callback)
  callback::CallerIdInput caller_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::optional<media::Negotiated> remote_media;
  std::optional<media::SessionId> media;
  std::uint16_t media_port = 0;
  std::uint64_t sdp_session = 0;  // o= session id of our SDP, kept for re-INVITE answers
  std::optional<ivr::AutoAttendant> attendant;
  std::optional<sip::EventLoop::TimerId> answer_timer;  // inbound: answer after answer_delay_s
  std::optional<sip::EventLoop::TimerId> ring_timer;    // callback: give up after ring_timeout_s
  std::optional<sip::EventLoop::TimerId> aa_timer;      // the attendant's digit/idle timer
  std::optional<sip::EventLoop::TimerId> limit_timer;   // max_call_duration_s
  std::optional<std::int64_t> job_id;
  store::CallRecord record;  // written when the leg starts, updated when it ends
  bool ring_timed_out = false;
  bool far_end_responded = false;  // callback: any response at all, so silence can be told from no answer
};

}  // namespace callbackd::pbx

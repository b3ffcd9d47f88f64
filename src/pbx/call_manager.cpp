#include "pbx/call_manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace callbackd::pbx {
namespace {

// A ring-once leg whose trigger is with the store: its outcome (and so its record) comes with triggered().
bool awaits_trigger(const Leg& leg) {
  return leg.kind == LegKind::Inbound && (leg.state == LegState::Cancelled || leg.state == LegState::Ended) &&
         !leg.cause;
}

OverloadSettings overload_settings(const PbxSettings& s) {
  OverloadSettings o;
  o.max_calls = s.max_calls;
  o.line_reserve = s.line_reserve;
  return o;
}

}  // namespace

CallManager::CallManager(CallManagerDeps deps, PbxSettings settings)
    : deps_(deps),
      settings_(std::move(settings)),
      lines_(settings_.lines),
      policy_(make_toll_policy(settings_.policy, settings_.lines)),
      jobs_(deps_.loop, deps_.store, deps_.clock, settings_.callback, *this),
      overload_(deps_.loop, deps_.clock, overload_settings(settings_)),
      logins_(settings_.attendant.lockout_failures, std::chrono::seconds(settings_.attendant.lockout_s)) {
  // o= session ids unique across restarts (RFC 4566 suggests an NTP timestamp).
  next_sdp_session_ = static_cast<std::uint64_t>(now_unix()) * 1000;
  // Call ids restart at 1 with the process; the start time keeps records' call_ref apart across restarts.
  call_ref_prefix_ = std::to_string(now_ms()) + "-";
  relay_caps_.set_limits(settings_.policy.max_relay_calls_per_hour, settings_.policy.max_relay_calls_per_day);
}

CallManager::~CallManager() {
  *alive_ = false;
  for (auto& [id, call] : calls_) {
    for (auto& leg : call->legs) {
      close_leg(*leg);
      write_record(*leg);  // legs whose end the stack did not report before it stopped
    }
  }
}

void CallManager::start() {
  jobs_.start();
  overload_.start();
  if (keepalive_) keepalive_->start();
}

void CallManager::job_cancelled(std::int64_t id) {
  deps_.loop.post([this, alive = alive_, id] {
    if (*alive) jobs_.cancelled(id);
  });
}

void CallManager::drain() {
  spdlog::info("callbackd: draining, {} leg(s) in progress; new calls get 503", call_of_.size());
  overload_.drain();
  jobs_.hold();
}

void CallManager::shutdown() {
  shutting_down_ = true;
  overload_.stop();
  if (keepalive_) keepalive_->stop();
  jobs_.shutdown();
  for (auto& [cid, call] : calls_) {
    for (auto& leg : call->legs) {
      leg->job_id.reset();  // the runner has put the attempt back to pending
      if (!awaits_trigger(*leg)) decide(*leg, {EndKind::Shutdown, 0, ""});
      deps_.sip.hangup(leg->id);
    }
  }
}

void CallManager::media_event(const media::MediaEvent& ev) {
  deps_.loop.post([this, alive = alive_, ev] {
    if (!*alive) return;
    auto it = media_legs_.find(ev.session);
    if (it == media_legs_.end()) return;
    if (ev.kind == media::MediaEvent::Kind::Dtmf) {
      on_digit(it->second, ev.digit, ev.source == media::DtmfSource::Rfc4733 ? "rfc4733" : "inband");
    } else if (Call* call = call_of(it->second); call != nullptr && call->attendant_leg == it->second) {
      feed_attendant(*call, {ivr::AaEvent::Kind::PlaybackDone});
    }
  });
}

void CallManager::on_dtmf_info(LegId id, char digit) {
  on_digit(id, digit, "info");
}

void CallManager::on_reinvite(LegId id, const std::string& sdp) {
  Leg* leg = find(id);
  if (leg == nullptr || !leg->media || !leg->remote_media) return deps_.sip.answer_reinvite(id, "");
  const media::LocalMedia local{deps_.media.address(), leg->media_port, leg->sdp_session};
  if (sdp.empty()) return deps_.sip.answer_reinvite(id, media::make_answer(local, *leg->remote_media));
  std::optional<media::Negotiated> remote;
  if (auto offer = media::parse_sdp(sdp)) remote = media::negotiate(*offer);
  if (!remote) return deps_.sip.answer_reinvite(id, "");
  // The peer may have moved its media (a new address, or a hold): send there from now on.
  leg->remote_media = remote;
  deps_.media.start(*leg->media, *remote);
  deps_.sip.answer_reinvite(id, media::make_answer(local, *remote));
}

void CallManager::on_ended(LegId id) {
  awaiting_auth_.erase(id);
  Call* call = call_of(id);
  Leg* leg = call != nullptr ? call->leg(id) : nullptr;
  if (leg == nullptr) return;
  // A callback whose dialog ended without a final response we saw (transport failure, shutdown).
  if (leg->job_id) {
    decide(*leg, {EndKind::EndedBeforeAnswer, 0, ""});
    end_attempt(*leg);
  }
  const bool trigger_pending = awaits_trigger(*leg);
  transition(*leg, LegEvent::DialogEnded);
  leg->record.ended_at = now_unix();
  if (call->attendant_leg == id) {
    stop_attendant(*call);
    // The caller went: its relayed call goes too (BYE, or CANCEL while it rings).
    hangup_far(*call);
  }
  close_leg(*leg);
  const bool fork = std::find(call->forks.begin(), call->forks.end(), id) != call->forks.end();
  if (call->far_leg == id || fork) relay_ended(*call, *leg);
  if (!trigger_pending) finish_leg(*call, *leg);
}

void CallManager::finish_leg(Call& call, Leg& leg) {
  const LegId id = leg.id;
  write_record(leg);
  call_of_.erase(id);
  std::erase_if(call.legs, [id](const auto& l) { return l->id == id; });
  if (!call.legs.empty()) return;
  adopt_remote_job(call);
  calls_.erase(call.id);
}

void CallManager::write_record(Leg& leg) {
  // One insert when the leg ends, not an insert and an update; the store worker batches them.
  leg.record.result = describe(leg.cause.value_or(EndCause{}), leg.kind);
  leg.record.end_cause = end_cause_name(leg.cause.value_or(EndCause{}), leg.kind);
  if (!leg.record.ended_at) leg.record.ended_at = now_unix();
  write_record(leg.record, leg.id);
}

void CallManager::write_record(const store::CallRecord& record, LegId id) {
  deps_.store.ask([record](store::Store& s) { return s.add_call_record(record); },
                  [id](const store::StoreOutcome<std::int64_t>& out) {
                    if (!out.ok()) spdlog::error("leg {}: call record not written: {}", id, out.error);
                  });
}

Leg& CallManager::add_leg(LegId id, LegKind kind, LegState initial) {
  auto call = std::make_unique<Call>(deps_.loop, next_call_++);
  Call& added = *call;
  calls_.emplace(call->id, std::move(call));
  return join_call(added, id, kind, initial);
}

Leg& CallManager::join_call(Call& call, LegId id, LegKind kind, LegState initial) {
  call.legs.push_back(std::make_unique<Leg>(deps_.loop, id, kind, initial));
  Leg& leg = *call.legs.back();
  leg.started = deps_.clock.now();
  leg.record.call_ref = call_ref_prefix_ + std::to_string(call.id);
  call_of_[id] = call.id;
  return leg;
}

std::variant<Leg*, EndCause> CallManager::send_invite(Call* call, LegKind kind,
                                                      const std::string& request_uri,
                                                      const std::string& from_uri, const std::string& line) {
  // Media first, with no leg id yet: the offer needs our port before the INVITE exists.
  Leg probe(deps_.loop, 0, kind, LegState::Dialing);
  if (!open_media(probe)) return EndCause{EndKind::NoMediaPort, 0, ""};
  if (!line.empty() && !lines_.acquire(line)) {
    release_media(probe);
    return EndCause{EndKind::NoLine, 0, ""};
  }
  const std::uint64_t session = next_sdp_session_++;
  const media::LocalMedia local{deps_.media.address(), probe.media_port, session};
  const LegId id = deps_.sip.invite(request_uri, from_uri, media::make_offer(local));
  if (id == 0) {
    if (!line.empty()) lines_.release(line);
    release_media(probe);
    return EndCause{EndKind::NoSipRequest, 0, ""};
  }
  Leg* leg = call == nullptr ? &add_leg(id, kind, LegState::Dialing)
                             : &join_call(*call, id, kind, LegState::Dialing);
  leg->media = std::exchange(probe.media, std::nullopt);
  leg->media_port = probe.media_port;
  media_legs_[*leg->media] = id;
  leg->sdp_session = session;
  leg->line = line;
  leg->record.line = line;
  leg->record.caller = from_uri;
  leg->record.callee = request_uri;
  leg->record.started_at = now_unix();
  return leg;
}

Call* CallManager::call_of(LegId id) {
  auto it = call_of_.find(id);
  if (it == call_of_.end()) return nullptr;
  auto c = calls_.find(it->second);
  return c == calls_.end() ? nullptr : c->second.get();
}

Leg* CallManager::find(LegId id) {
  Call* call = call_of(id);
  return call != nullptr ? call->leg(id) : nullptr;
}

bool CallManager::open_media(Leg& leg) {
  auto alloc = deps_.media.allocate();
  if (!alloc) {
    spdlog::error("leg {}: no free RTP port", leg.id);
    return false;
  }
  leg.media = alloc->id;
  leg.media_port = alloc->port;
  if (leg.id != 0) media_legs_[alloc->id] = leg.id;
  return true;
}

void CallManager::release_media(Leg& leg) {
  if (!leg.media) return;
  deps_.media.release(*leg.media);
  media_legs_.erase(*leg.media);
  leg.media.reset();
}

void CallManager::close_leg(Leg& leg) {
  leg.answer_timer.cancel();
  leg.ring_timer.cancel();
  release_media(leg);
  if (!leg.line.empty()) {
    lines_.release(leg.line);
    leg.line.clear();
  }
}

store::UnixTime CallManager::now_unix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(deps_.clock.now().time_since_epoch()).count();
}

store::UnixTimeMs CallManager::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.now().time_since_epoch()).count();
}

}  // namespace callbackd::pbx

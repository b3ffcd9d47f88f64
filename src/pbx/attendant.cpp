// Runs the Auto Attendant state machine for a call: its actions become prompts on the attendant leg's RTP
// session, timers on the loop, or a hang-up.
#include <spdlog/spdlog.h>

#include "pbx/call_manager.hpp"

namespace callbackd::pbx {
namespace {

// Digits may be a PIN or a password: logs show that a key came and how, never which one. '#' only ends an
// entry (it is never part of one), so it stays visible for whoever follows a call through the log.
char masked(char digit) {
  return digit == '#' ? '#' : 'x';
}

}  // namespace

void CallManager::start_attendant(Call& call, Leg& leg) {
  call.attendant.emplace();
  call.attendant_leg = leg.id;
  const LegId id = leg.id;
  call.limit_timer.start(std::chrono::seconds(settings_.callback.max_call_duration_s), [this, id] {
    spdlog::info("leg {}: maximum call duration reached", id);
    deps_.sip.hangup(id);
  });
  feed_attendant(call, {ivr::AaEvent::Kind::Start, 0});
}

void CallManager::stop_attendant(Call& call) {
  call.attendant.reset();
  call.attendant_leg = 0;
  call.aa_timer.cancel();
  call.limit_timer.cancel();
}

void CallManager::on_digit(LegId id, char digit, const char* via) {
  Call* call = call_of(id);
  if (call == nullptr || !call->attendant || call->attendant_leg != id) return;
  spdlog::info("leg {}: dtmf '{}' via {}", id, masked(digit), via);
  feed_attendant(*call, {ivr::AaEvent::Kind::Digit, digit});
}

void CallManager::feed_attendant(Call& call, const ivr::AaEvent& ev) {
  Leg* leg = call.leg(call.attendant_leg);
  if (!call.attendant || leg == nullptr || leg->state != LegState::Answered) return;
  const std::size_t entries_before = call.attendant->entries().size();
  const auto actions = call.attendant->handle(ev);
  if (call.attendant->entries().size() > entries_before) {
    spdlog::info("leg {}: attendant entry of {} key(s)", leg->id, call.attendant->entries().back().size());
  }
  const CallId cid = call.id;
  for (const auto& action : actions) {
    switch (action.kind) {
      case ivr::AaAction::Kind::Play:
        play(call, *leg, action.prompts);
        break;
      case ivr::AaAction::Kind::StopPlayback:
        if (leg->media) deps_.media.stop_playback(*leg->media);
        break;
      case ivr::AaAction::Kind::ArmTimer:
        call.aa_timer.start(std::chrono::milliseconds(action.timer_ms), [this, cid] {
          if (auto it = calls_.find(cid); it != calls_.end()) {
            feed_attendant(*it->second, {ivr::AaEvent::Kind::Timeout, 0});
          }
        });
        break;
      case ivr::AaAction::Kind::CancelTimer:
        call.aa_timer.cancel();
        break;
      case ivr::AaAction::Kind::Hangup:
        spdlog::info("leg {}: attendant hangs up", leg->id);
        deps_.sip.hangup(leg->id);
        return;
    }
  }
}

void CallManager::play(Call& call, Leg& leg, const std::vector<std::string>& keys) {
  std::vector<media::PromptPtr> prompts;
  for (const auto& key : keys) {
    if (auto p = deps_.prompts.find(settings_.language + "/" + key)) {
      prompts.push_back(std::move(p));
    } else {
      spdlog::warn("leg {}: prompt '{}/{}' is missing", leg.id, settings_.language, key);
    }
  }
  if (!leg.media) return;
  if (prompts.empty()) {
    // Nothing to play still has to finish, or the attendant would wait for it forever.
    const CallId cid = call.id;
    deps_.loop.post([this, alive = alive_, cid] {
      if (!*alive) return;
      if (auto it = calls_.find(cid); it != calls_.end()) {
        feed_attendant(*it->second, {ivr::AaEvent::Kind::PlaybackDone, 0});
      }
    });
    return;
  }
  deps_.media.play(*leg.media, std::move(prompts));
}

}  // namespace callbackd::pbx

// Runs the Auto Attendant state machine on an answered leg: its actions become prompts on the leg's RTP
// session, timers on the event loop, or a hang-up.
#include <spdlog/spdlog.h>

#include "pbx/call_manager.hpp"

namespace callbackd::pbx {

void CallManager::start_attendant(Leg& leg) {
  leg.attendant.emplace();
  const sip::LegId id = leg.id;
  leg.limit_timer =
      deps_.loop.start_timer(std::chrono::seconds(settings_.callback.max_call_duration_s), [this, id] {
        if (Leg* l = find(id)) {
          l->limit_timer.reset();
          spdlog::info("leg {}: maximum call duration reached", id);
          sip_->hangup(id);
        }
      });
  feed_attendant(leg, {ivr::AaEvent::Kind::Start, 0});
}

void CallManager::on_digit(Leg& leg, char digit, const char* via) {
  if (!leg.attendant) return;
  spdlog::info("leg {}: dtmf '{}' via {}", leg.id, digit, via);
  feed_attendant(leg, {ivr::AaEvent::Kind::Digit, digit});
}

void CallManager::feed_attendant(Leg& leg, const ivr::AaEvent& ev) {
  if (!leg.attendant || leg.state != LegState::Answered) return;
  const std::size_t entries_before = leg.attendant->entries().size();
  const auto actions = leg.attendant->handle(ev);
  if (leg.attendant->entries().size() > entries_before) {
    spdlog::info("leg {}: attendant entry '{}'", leg.id, leg.attendant->entries().back());
  }
  const sip::LegId id = leg.id;
  for (const auto& action : actions) {
    switch (action.kind) {
      case ivr::AaAction::Kind::Play:
        play(leg, action.prompts);
        break;
      case ivr::AaAction::Kind::StopPlayback:
        if (leg.media) deps_.media.stop_playback(*leg.media);
        break;
      case ivr::AaAction::Kind::ArmTimer:
        cancel_timer(leg.aa_timer);
        leg.aa_timer = deps_.loop.start_timer(std::chrono::milliseconds(action.timer_ms), [this, id] {
          if (Leg* l = find(id)) {
            l->aa_timer.reset();
            feed_attendant(*l, {ivr::AaEvent::Kind::Timeout, 0});
          }
        });
        break;
      case ivr::AaAction::Kind::CancelTimer:
        cancel_timer(leg.aa_timer);
        break;
      case ivr::AaAction::Kind::Hangup:
        spdlog::info("leg {}: attendant hangs up", id);
        sip_->hangup(id);
        return;
    }
  }
}

void CallManager::play(Leg& leg, const std::vector<std::string>& keys) {
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
    media_event({media::MediaEvent::Kind::PlaybackDone, *leg.media, 0, media::DtmfSource::Rfc4733});
    return;
  }
  deps_.media.play(*leg.media, std::move(prompts));
}

}  // namespace callbackd::pbx

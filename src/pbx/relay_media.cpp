// What the Call Relay's caller hears of the far leg. While it rings, our ringback, unless the far end sends
// early media (183 Session Progress with SDP: the carrier's own ringback, "the number is not available"
// announcements, a queue's music): then the caller hears that, bridged as an answered call is, since our
// ringback over an announcement would hide why the call fails. On answer the bridge stays, and follows the
// 200's SDP when it differs from the 183's.
#include <spdlog/spdlog.h>

#include "pbx/call_manager.hpp"

namespace callbackd::pbx {
namespace {

bool same_media(const media::Negotiated& a, const media::Negotiated& b) {
  return a.codec == b.codec && a.codec_pt == b.codec_pt && a.telephone_event_pt == b.telephone_event_pt &&
         a.remote_address == b.remote_address && a.remote_port == b.remote_port;
}

std::optional<media::Negotiated> negotiated(const std::string& sdp) {
  if (auto description = media::parse_sdp(sdp)) return media::negotiate(*description);
  return std::nullopt;
}

}  // namespace

void CallManager::relay_early_media(Call& call, Leg& far, const std::string& sdp) {
  // The caller's phone plays its own ringback until the extension answers; of forks, only the far leg counts.
  if (call.direct || far.id != call.far_leg) return;
  const auto remote = negotiated(sdp);
  Leg* caller = call.leg(call.attendant_leg);
  // Early media we cannot use (no common codec, a broken SDP): the caller keeps our ringback.
  if (!remote || caller == nullptr || !caller->media || !far.media) return;
  // The far leg has remote media before its answer only through early media: the bridge exists.
  const bool bridged = far.remote_media.has_value();
  if (bridged && same_media(*far.remote_media, *remote)) return;  // a repeated 183
  far.remote_media = remote;
  deps_.media.start(*far.media, *remote);
  if (bridged) return;
  spdlog::info("leg {}: early media from the far end replaces our ringback", far.id);
  deps_.media.stop_playback(*caller->media);
  deps_.media.bridge(*caller->media, *far.media);
}

void CallManager::relay_answered(Call& call, Leg& far, const std::string& sdp) {
  if (!fork_answered(call, far)) return;
  if (call.direct) return direct_answered(call, far, sdp);
  far.ring_timer.cancel();
  far.record.answered_at = now_unix();
  const bool early = far.remote_media.has_value();
  // A 200 without SDP after early media keeps the 183's answer (what gateways that sent it do).
  const std::optional<media::Negotiated> remote = sdp.empty() && early ? far.remote_media : negotiated(sdp);
  Leg* caller = call.leg(call.attendant_leg);
  if (!remote || caller == nullptr || !caller->media) {
    decide(far, {EndKind::NoSdpAnswer, 0, ""});
    deps_.sip.hangup(far.id);
    return;
  }
  decide(far, {EndKind::Answered, 0, ""});
  call.far_reported = true;
  if (!early || !same_media(*far.remote_media, *remote)) deps_.media.start(*far.media, *remote);
  far.remote_media = remote;
  if (!early) {
    deps_.media.stop_playback(*caller->media);
    deps_.media.bridge(*caller->media, *far.media);
  }
  const LegId id = far.id;
  call.relay_timer.start(std::chrono::seconds(settings_.policy.max_relay_duration_s), [this, id] {
    spdlog::info("leg {}: longest relayed call reached", id);
    deps_.sip.hangup(id);
  });
  relay_result(call, ivr::CallOutcome::Connected);
}

}  // namespace callbackd::pbx

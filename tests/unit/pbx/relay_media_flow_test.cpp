// What a Call Relay caller hears while the far leg rings: our ringback, or the far end's early media when it
// answers 183 with SDP; and that the bridge then survives the answer, following a 200 whose SDP differs.
#include "unit/pbx/relay_flow.hpp"

namespace callbackd::pbx::testing {
namespace {

// The far end's media: PCMA at another port than the caller's (kOffer), and the same end after it moved.
constexpr const char* kFarEarly =
    "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 41000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
constexpr const char* kFarMoved =
    "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 41010 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

class RelayMediaFlow : public RelayFlow {
 protected:
  // A caller logged in with auto_call_relay dials; returns the far leg.
  LegId dialled() {
    extension("201", true);
    caller = answered_callback("201", true);
    press(caller, std::string(kDialled) + "#");
    EXPECT_EQ(relay_invites().size(), 1u);
    return relay_invites().empty() ? 0 : relay_invites()[0].leg;
  }
  std::size_t starts() const { return media.started.size(); }

  LegId caller = 0;
};

TEST_F(RelayMediaFlow, RingingWithoutSdpKeepsOurRingback) {
  const LegId far = dialled();
  const auto stops = media.stopped.size();
  manager->on_progress(far, 180, "");
  loop.run_posted();
  EXPECT_TRUE(media.bridged.empty());
  EXPECT_EQ(media.stopped.size(), stops) << "the ringback plays on";
}

TEST_F(RelayMediaFlow, EarlyMediaReplacesTheRingbackAndTheBridgeCarriesOnThroughTheAnswer) {
  const LegId far = dialled();
  manager->on_progress(far, 180, "");
  const auto stops = media.stopped.size();
  const auto before = starts();
  manager->on_progress(far, 183, kFarEarly);
  loop.run_posted();
  ASSERT_EQ(media.bridged.size(), 2u) << "the caller hears the far end before the answer";
  EXPECT_EQ(media.stopped.size(), stops + 1) << "our ringback stops";
  EXPECT_EQ(starts(), before + 1) << "the far leg's RTP goes to the 183's address";

  manager->on_progress(far, 183, kFarEarly);  // repeated: nothing changes
  manager->on_answered(far, kFarEarly);
  loop.run_posted();
  EXPECT_EQ(media.bridged.size(), 2u);
  EXPECT_EQ(starts(), before + 1) << "the same SDP in the 200: no new negotiation";
  EXPECT_EQ(media.stopped.size(), stops + 1);

  press(caller, "5");  // connected: digits go to the far leg, bridge in place
  EXPECT_EQ(media.dtmf_sent.size(), 1u);
}

TEST_F(RelayMediaFlow, AnAnswerWithOtherSdpMovesTheFarStreamAndOneWithoutSdpKeepsTheEarlyOne) {
  LegId far = dialled();
  manager->on_progress(far, 183, kFarEarly);
  const auto before = starts();
  manager->on_answered(far, kFarMoved);
  loop.run_posted();
  EXPECT_EQ(starts(), before + 1) << "the 200's SDP differs: the far leg is started again";
  EXPECT_EQ(media.bridged.size(), 2u);

  press(caller, "**");  // back to the relay prompt, and a second call answers without SDP
  manager->on_ended(far);
  loop.run_posted();
  press(caller, "2015550124#");
  ASSERT_EQ(relay_invites().size(), 2u);
  far = relay_invites()[1].leg;
  manager->on_progress(far, 183, kFarEarly);
  manager->on_answered(far, "");
  loop.run_posted();
  EXPECT_FALSE(hung_up(far)) << "a 200 without SDP confirms the early media's answer";
  EXPECT_EQ(media.bridged.size(), 2u);
}

TEST_F(RelayMediaFlow, EarlyMediaThenBusyUnbridgesSoTheCallerHearsOurBusyPrompt) {
  const LegId far = dialled();
  manager->on_progress(far, 183, kFarEarly);
  ASSERT_EQ(media.bridged.size(), 2u);
  const auto played = media.played.size();
  manager->on_failed(far, 486, "Busy Here");
  loop.run_posted();
  EXPECT_TRUE(media.bridged.empty());
  EXPECT_GT(media.played.size(), played) << "the busy prompt";
}

TEST_F(RelayMediaFlow, UnusableEarlyMediaKeepsTheRingback) {
  const LegId far = dialled();
  const auto stops = media.stopped.size();
  manager->on_progress(far, 183, "v=0\r\nm=audio 41000 RTP/AVP 18\r\n");  // G.729 only: nothing in common
  loop.run_posted();
  EXPECT_TRUE(media.bridged.empty());
  EXPECT_EQ(media.stopped.size(), stops);
}

}  // namespace
}  // namespace callbackd::pbx::testing

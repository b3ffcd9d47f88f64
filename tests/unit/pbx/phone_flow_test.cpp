// Calls from registered phones (phone.cpp): strangers, challenges, the attendant, and direct calls that ring
// an extension and bridge on its answer.
#include "unit/pbx/relay_flow.hpp"

namespace callbackd::pbx::testing {
namespace {

constexpr const char* kDeskUri = "sip:202@127.0.0.1:5080";
constexpr const char* kSoftUri = "sip:204@127.0.0.1:5082";

class PhoneFlow : public RelayFlow {
 protected:
  using Verdict = CallManager::PhoneAuth::Verdict;

  void start_with(Verdict verdict) {
    start();
    manager->authenticate_with([this, verdict](const sip::InviteInfo& info, auto done) {
      asked.push_back(info.from_user);
      done({verdict, info.from_user, {407, {"Proxy-Authenticate: Digest realm=\"pbx.example\""}}});
    });
    manager->locate_with([](const std::string& ext) {
      if (ext == "204") return std::vector<std::string>{kDeskUri, kSoftUri};  // a desk phone and a softphone
      return ext == "202" ? std::vector<std::string>{kDeskUri} : std::vector<std::string>{};
    });
  }
  void invite_from_phone(LegId leg, const std::string& from, const std::string& to) {
    sip::InviteInfo info;
    info.from_user = from;
    info.from_uri = "sip:" + from + "@pbx.example";
    info.request_user = to;
    info.source_ip = "192.0.2.50";
    info.source_port = 5062;
    info.transport = sip::Transport::Udp;
    info.sdp = kOffer;
    manager->on_invite(leg, info);
    loop.run_posted();
  }
  int final_status(LegId leg) const {
    for (const auto& op : sip.ops) {
      if (op.leg == leg && (op.op == "reject" || op.op == "answer")) return op.status;
    }
    return 0;
  }
  std::vector<std::string> asked;
};

TEST_F(PhoneFlow, AStrangerIsRefusedAndAPhoneWithoutProofIsChallenged) {
  start_with(Verdict::Stranger);
  invite_from_phone(50, "201", "0");
  EXPECT_EQ(final_status(50), 403);
  manager->authenticate_with([](const sip::InviteInfo&, auto done) {
    done({Verdict::Challenge, "", {407, {"Proxy-Authenticate: Digest nonce=\"n\""}}});
  });
  invite_from_phone(51, "201", "0");
  const auto rejects = sip.all("reject");
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[1].status, 407);
  EXPECT_NE(rejects[1].text.find("Proxy-Authenticate"), std::string::npos);
  EXPECT_EQ(invites(), 0u);
  EXPECT_EQ(manager->legs(), 0u);
}

TEST_F(PhoneFlow, AProvenExtensionDiallingTheAttendantNumberIsAnsweredLoggedIn) {
  extension("201", true);
  start_with(Verdict::Proven);
  invite_from_phone(50, "201", "0");
  EXPECT_EQ(final_status(50), 200);
  // Logged in by its digest: *8 goes straight to the Call Relay prompt and a number is dialled out.
  press(50, std::string("*8") + kDialled + "#");
  ASSERT_EQ(invites(), 1u);
  EXPECT_NE(sip.all("invite")[0].text.find(kDialled), std::string::npos);
}

TEST_F(PhoneFlow, AnExtensionCallRingsTheCalleeAndBridgesOnItsAnswer) {
  start_with(Verdict::Proven);
  invite_from_phone(50, "201", "202");
  ASSERT_EQ(invites(), 1u);
  EXPECT_EQ(sip.all("invite")[0].text, kDeskUri);
  EXPECT_EQ(sip.froms[0], "sip:201@127.0.0.1:5060");
  // Our 180 only: the caller is not answered while the callee rings.
  ASSERT_EQ(sip.all("ring").size(), 1u);
  EXPECT_EQ(sip.all("ring")[0].leg, 50u);
  EXPECT_TRUE(sip.all("answer").empty());
  const LegId far = sip.all("invite")[0].leg;
  manager->on_answered(far, kOffer);
  loop.run_posted();
  ASSERT_EQ(sip.all("answer").size(), 1u);
  EXPECT_EQ(sip.all("answer")[0].leg, 50u);
  EXPECT_EQ(media.bridged.size(), 2u);
  manager->on_ended(far);
  loop.run_posted();
  EXPECT_TRUE(hung_up(50));
}

TEST_F(PhoneFlow, ABusyCalleeIsBusyForTheCallerAndACancelReachesTheCallee) {
  start_with(Verdict::Proven);
  invite_from_phone(50, "201", "202");
  const LegId far = sip.all("invite")[0].leg;
  manager->on_failed(far, 486, "Busy Here");
  manager->on_ended(far);
  loop.run_posted();
  EXPECT_EQ(sip.all("reject").back().status, 486);
  EXPECT_EQ(sip.all("reject").back().leg, 50u);

  invite_from_phone(51, "201", "202");
  const LegId far2 = sip.all("invite").back().leg;
  manager->on_cancel(51);
  manager->on_ended(51);
  loop.run_posted();
  EXPECT_TRUE(hung_up(far2));
  EXPECT_TRUE(jobs().empty());  // a phone giving up is never a ring-once trigger
}

TEST_F(PhoneFlow, EveryPhoneOfAnExtensionRingsAndTheFirstToAnswerWins) {
  start_with(Verdict::Proven);
  invite_from_phone(50, "201", "204");
  const auto rung = sip.all("invite");
  ASSERT_EQ(rung.size(), 2u);
  EXPECT_EQ(rung[0].text, kDeskUri);
  EXPECT_EQ(rung[1].text, kSoftUri);
  manager->on_answered(rung[1].leg, kOffer);  // the softphone answers
  loop.run_posted();
  EXPECT_TRUE(hung_up(rung[0].leg));  // the desk phone stops ringing
  EXPECT_FALSE(hung_up(rung[1].leg));
  ASSERT_EQ(sip.all("answer").size(), 1u);
  // The desk phone's 200 crossed our CANCEL: it gets a BYE and the caller stays with the softphone.
  manager->on_answered(rung[0].leg, kOffer);
  loop.run_posted();
  EXPECT_EQ(sip.all("answer").size(), 1u);
  EXPECT_EQ(media.bridged.size(), 2u);
}

TEST_F(PhoneFlow, TheCallerHearsBusyOnlyWhenTheLastPhoneHasFailed) {
  start_with(Verdict::Proven);
  invite_from_phone(50, "201", "204");
  const auto rung = sip.all("invite");
  manager->on_failed(rung[0].leg, 486, "Busy Here");
  manager->on_ended(rung[0].leg);
  loop.run_posted();
  EXPECT_TRUE(sip.all("reject").empty());  // the softphone still rings
  manager->on_failed(rung[1].leg, 480, "Temporarily Unavailable");
  manager->on_ended(rung[1].leg);
  loop.run_posted();
  ASSERT_EQ(sip.all("reject").size(), 1u);
  EXPECT_EQ(sip.all("reject")[0].status, 486);  // busy says more than unavailable
}

TEST_F(PhoneFlow, UnregisteredAndImpossibleExtensionsAreAnsweredAtOnce) {
  start_with(Verdict::Proven);
  invite_from_phone(50, "201", "203");
  invite_from_phone(51, "201", "15551234567");
  invite_from_phone(52, "201", "201");
  EXPECT_EQ(final_status(50), 480);
  EXPECT_EQ(final_status(51), 404);
  EXPECT_EQ(final_status(52), 486);
  EXPECT_EQ(invites(), 0u);
}

TEST_F(PhoneFlow, ALineRoutedToAnExtensionRingsItAndACancelIsNoTrigger) {
  settings.lines[0].inbound = InboundRoute::Extension;
  settings.lines[0].inbound_extension = "202";
  trust(kTrusted);
  start_with(Verdict::Stranger);
  invite_from_gateway(60, kTrusted);
  loop.run_posted();
  ASSERT_EQ(invites(), 1u);
  EXPECT_EQ(sip.all("invite")[0].text, kDeskUri);
  EXPECT_EQ(sip.froms[0], std::string("sip:") + kTrusted + "@127.0.0.1:5060");
  manager->on_cancel(60);
  manager->on_ended(60);
  loop.run_posted();
  loop.advance(2000ms);
  EXPECT_TRUE(jobs().empty());
  EXPECT_TRUE(hung_up(sip.all("invite")[0].leg));
}

}  // namespace
}  // namespace callbackd::pbx::testing

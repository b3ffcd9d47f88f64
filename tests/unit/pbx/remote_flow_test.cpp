// Remote Call Back Configuration (*6, *5) as whole calls through the call core: a called-back caller logs in,
// types and confirms its numbers, and what the store keeps, the security event's refusal and the callback
// INVITE after the caller hangs up are what the fakes saw. The store half's every outcome is in remote_test.
#include <algorithm>

#include "pbx/remote.hpp"
#include "store/audit.hpp"
#include "unit/pbx/relay_flow.hpp"

namespace callbackd::pbx::testing {
namespace {

constexpr const char* kLogin = "201#471100#";

class RemoteFlow : public RelayFlow {
 protected:
  // The goodbye ends: the attendant hangs up, and the caller's leg ends as the stack reports it.
  void goodbye_ends(LegId leg) {
    ASSERT_FALSE(media.played.empty());
    media::MediaEvent done;
    done.kind = media::MediaEvent::Kind::PlaybackDone;
    done.session = media.played.back().first;
    manager->media_event(done);
    loop.run_posted();
    EXPECT_TRUE(hung_up(leg));
    manager->on_ended(leg);
    loop.run_posted();
  }
  std::vector<SignalOp> callbacks_to(const std::string& number) const {
    std::vector<SignalOp> out;
    for (const auto& op : sip.all("invite")) {
      if (op.text == "sip:" + number + "@127.0.0.1:5070") out.push_back(op);
    }
    return out;
  }
  std::size_t audit_rows() {
    return store::open_sqlite_audit_log((dir_ / "callbackd.db").string())->list({}).total;
  }
};

TEST_F(RemoteFlow, StarSixChangesTheOwnDestinationAndCallsItBackAfterTheHangUp) {
  extension("201", false);
  const LegId caller = answered_callback("201");
  press(caller, std::string("*6") + kLogin + "2#2015553003#1");
  const auto phone = store->list_phones().at(0);
  EXPECT_EQ(phone.callback_destination, "+12015553003") << "stored as the number it is, not as keyed";
  EXPECT_EQ(audit_rows(), 1);
  const auto job = jobs().front();
  EXPECT_EQ(job.destination, "+12015553003");
  EXPECT_EQ(job.state, store::JobState::Pending);
  EXPECT_FALSE(job.one_time);
  loop.advance(std::chrono::seconds(kRemoteDelayS + 2));  // a long goodbye
  EXPECT_TRUE(callbacks_to("+12015553003").empty()) << "not while the caller hears the goodbye";
  goodbye_ends(caller);
  loop.advance(std::chrono::seconds(kRemoteDelayS - 1));
  EXPECT_TRUE(callbacks_to("+12015553003").empty());
  loop.advance(1500ms);
  EXPECT_EQ(callbacks_to("+12015553003").size(), 1u) << "due " << kRemoteDelayS << " s after the hang-up";
}

TEST_F(RemoteFlow, StarFiveWritesNoEntryAndCallsTheDestinationOnce) {
  extension("201", false);
  const LegId caller = answered_callback("201");
  press(caller, std::string("*5") + kLogin + "2015553003#1");
  EXPECT_EQ(store->list_phones().at(0).callback_destination, "") << "nothing in the database";
  EXPECT_EQ(audit_rows(), 0);
  const auto all = jobs();
  const auto once = std::find_if(all.begin(), all.end(), [](const auto& j) { return j.one_time; });
  ASSERT_NE(once, all.end());
  EXPECT_EQ(once->destination, "+12015553003");
  EXPECT_FALSE(once->authorized_phone_id);
  goodbye_ends(caller);
  loop.advance(std::chrono::seconds(kRemoteDelayS) + 500ms);
  EXPECT_EQ(callbacks_to("+12015553003").size(), 1u);
}

TEST_F(RemoteFlow, EveryChannelBusyTheCallbackWaitsForOne) {
  settings.lines[0].channels = 1;  // the caller's callback holds the only channel while it is on the phone
  extension("201", false);
  const LegId caller = answered_callback("201");
  press(caller, std::string("*5") + kLogin + "2015553003#1");
  goodbye_ends(caller);
  invite_from_gateway(50, "+12015557777");  // a call on the line takes the freed channel and keeps it
  loop.run_posted();
  loop.advance(std::chrono::seconds(kRemoteDelayS + 10));
  EXPECT_TRUE(callbacks_to("+12015553003").empty()) << "waiting for the channel";
  manager->on_cancel(50);
  manager->on_ended(50);
  loop.run_posted();
  loop.advance(3s);
  EXPECT_EQ(callbacks_to("+12015553003").size(), 1u) << "the channel freed within the wait: called back";
}

TEST_F(RemoteFlow, NoChannelWithinTheWaitTheCallbackFailsWithItsReason) {
  settings.lines[0].channels = 1;
  extension("201", false);
  const LegId caller = answered_callback("201");
  press(caller, std::string("*5") + kLogin + "2015553003#1");
  goodbye_ends(caller);
  invite_from_gateway(50, "+12015557777");
  loop.run_posted();
  loop.advance(std::chrono::seconds(kRemoteDelayS + kRemoteLineWaitS + 5));
  EXPECT_TRUE(callbacks_to("+12015553003").empty());
  const auto all = jobs();
  const auto once = std::find_if(all.begin(), all.end(), [](const auto& j) { return j.one_time; });
  ASSERT_NE(once, all.end());
  EXPECT_EQ(once->state, store::JobState::Failed) << "the fixture allows one attempt";
  EXPECT_NE(once->last_result, "") << "the job says why";
}

TEST_F(RemoteFlow, APremiumDestinationIsRefusedAndNothingIsWritten) {
  extension("201", false);
  const LegId caller = answered_callback("201");
  const std::size_t jobs_before = jobs().size();
  press(caller, std::string("*6") + kLogin + "2#19005550199#1");
  EXPECT_EQ(store->list_phones().at(0).callback_destination, "");
  EXPECT_EQ(audit_rows(), 0);
  EXPECT_EQ(jobs().size(), jobs_before);
  goodbye_ends(caller);
  loop.advance(10s);
  EXPECT_TRUE(callbacks_to("19005550199").empty());
}

TEST_F(RemoteFlow, AnExtensionThatMayNotConfigureTheEntryChangesNothing) {
  extension("201", false);
  extension("202", false);  // neither the entry's login extension nor remote_callback
  const LegId caller = answered_callback("201");
  press(caller, std::string("*6") + "202#471100#" + "2#2015553003#1");
  EXPECT_EQ(store->list_phones().at(0).callback_destination, "");
  EXPECT_EQ(audit_rows(), 0);
}

TEST_F(RemoteFlow, AStoreThatRefusesTheJobFailsTheOneTimeCallback) {
  extension("201", false);
  const LegId caller = answered_callback("201");
  const std::size_t jobs_before = jobs().size();
  press(caller, std::string("*5") + kLogin + "2015553003#");
  store->refuse_writes = true;
  press(caller, "1");
  store->refuse_writes = false;
  EXPECT_EQ(jobs().size(), jobs_before);
  goodbye_ends(caller);
  loop.advance(10s);
  EXPECT_TRUE(callbacks_to("+12015553003").empty());
}

}  // namespace
}  // namespace callbackd::pbx::testing

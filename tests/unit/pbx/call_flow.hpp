#pragma once
// The call-flow fixture: a CallManager on fake signalling, media, loop, clock and store port, with a real
// SQLite file, and helpers that play a gateway's part (an INVITE, a ring-once call).
#include <gtest/gtest.h>
#include <unistd.h>

#include "pbx/call_manager.hpp"
#include "unit/pbx/fakes.hpp"

namespace callbackd::pbx {
namespace testing {

using namespace std::chrono_literals;

constexpr const char* kOffer =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
constexpr const char* kTrusted = "+12015551001";
constexpr const char* kCallbackUri = "sip:+12015551001@127.0.0.1:5070";

class CallFlow : public ::testing::Test {
 protected:
  CallFlow()
      : dir_(std::filesystem::temp_directory_path() /
             ("cbd-flow-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        loop(clock),
        prompts(CALLBACKD_PROMPTS_DIR) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store = std::make_unique<FlakyStore>((dir_ / "callbackd.db").string());
    port = std::make_unique<FakeStorePort>(*store, loop);
    settings.sip_listen = {"127.0.0.1", 5060};
    settings.callback = {10, 1, 5, 1, 60, 60, 3600, 300};
    Line line;
    line.name = "fxo1";
    line.gateway = {"127.0.0.1", 5070};
    line.number = "+12015550100";
    line.answer_delay_s = 2;
    line.country = "US";
    settings.lines = {line};
  }
  ~CallFlow() override {
    manager.reset();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    manager =
        std::make_unique<CallManager>(CallManagerDeps{loop, sip, media, *port, prompts, clock}, settings);
    manager->start();
    loop.run_posted();
  }
  std::int64_t trust(const std::string& number, int delay_s = 1) {
    store::AuthorizedPhone p;
    p.caller_address = number;
    p.callback_enabled = true;
    p.callback_delay_s = delay_s;
    return store->create_phone(p).id;
  }
  void invite_from_gateway(LegId leg, const std::string& caller, bool with_sdp = true) {
    sip::InviteInfo info;
    info.from_user = caller;
    info.from_uri = "sip:" + caller + "@127.0.0.1:5070";
    info.request_user = "+12015550100";
    info.source_ip = "127.0.0.1";
    info.source_port = 5070;
    info.transport = sip::Transport::Udp;
    info.sdp = with_sdp ? kOffer : "";
    manager->on_invite(leg, info);
  }
  // The ring-once call: INVITE, ringing for `ring`, CANCEL; the stack then ends the dialog.
  void ring_once(LegId leg, std::chrono::milliseconds ring = 800ms) {
    invite_from_gateway(leg, kTrusted);
    loop.advance(ring);
    manager->on_cancel(leg);
    manager->on_ended(leg);
    loop.run_posted();
  }
  std::vector<store::CallbackJob> jobs() { return store->list_jobs(100); }
  store::CallbackJob only_job() {
    auto all = jobs();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? store::CallbackJob{} : all.front();
  }
  std::size_t invites() const { return sip.all("invite").size(); }

  std::filesystem::path dir_;
  FakeClock clock;
  FakeLoop loop;
  FakeSignalling sip;
  FakeMedia media;
  std::unique_ptr<FlakyStore> store;
  std::unique_ptr<FakeStorePort> port;
  media::PromptCatalog prompts;
  PbxSettings settings;
  std::unique_ptr<CallManager> manager;
};

}  // namespace testing
}  // namespace callbackd::pbx

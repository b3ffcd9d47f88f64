#pragma once
// The Call Relay fixture: a trusted caller is called back, answers and presses keys (SIP INFO here; RTP
// digits take the same path); the far leg's INVITE, the bridge and the prompts are what the fakes saw.
#include "store/password.hpp"
#include "unit/pbx/call_flow.hpp"

namespace callbackd::pbx::testing {

constexpr const char* kDialled = "2015550123";

class RelayFlow : public CallFlow {
 protected:
  RelayFlow() {
    settings.lines[0].channels = 2;  // the callback holds one channel, the relayed call another
    settings.sip_realm = "pbx.example";
  }

  // The keypad logs in with the PIN 471100; the SIP password is another secret.
  void extension(const std::string& number, bool relay) {
    store->create_extension({number, "Ext " + number, store::hash_password("471100"), relay,
                             store::digest_ha1(number, settings.sip_realm, "a SIP password for " + number),
                             false, false});
  }
  // A trusted caller (logged in as `login` when set) rings once, is called back and answers.
  LegId answered_callback(const std::optional<std::string>& login, bool auto_relay = false) {
    start();
    store::AuthorizedPhone p;
    p.caller_address = kTrusted;
    p.callback_enabled = true;
    p.callback_delay_s = 1;
    p.login_extension = login;
    p.auto_call_relay = auto_relay;
    store->create_phone(p);
    ring_once(1);
    loop.advance(1000ms);
    const LegId out = sip.all("invite").back().leg;
    manager->on_answered(out, kOffer);
    loop.run_posted();
    return out;
  }
  void press(LegId leg, const std::string& keys) {
    for (char k : keys) {
      manager->on_dtmf_info(leg, k);
      loop.run_posted();
    }
  }
  // The caller heard the last prompt to its end (a refusal: keys count as an entry again).
  void heard() {
    media::MediaEvent done;
    done.kind = media::MediaEvent::Kind::PlaybackDone;
    done.session = media.played.back().first;
    manager->media_event(done);
    loop.run_posted();
  }
  std::vector<SignalOp> relay_invites() const {
    auto all = sip.all("invite");
    all.erase(all.begin());  // the callback
    return all;
  }
  bool hung_up(LegId leg) const {
    for (const auto& op : sip.all("hangup")) {
      if (op.leg == leg) return true;
    }
    return false;
  }
};

}  // namespace callbackd::pbx::testing

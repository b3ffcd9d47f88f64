#pragma once
// callbackd's SIP user agent on Sofia-SIP's nua. This is the only place that includes Sofia headers besides
// the event loop. It turns nua events into SipEvents calls keyed by LegId and offers the few dialog
// operations the pbx layer needs. SDP is carried as opaque text (the media layer negotiates), so nua's own
// SOA is disabled.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/event_loop.hpp"
#include "sip/source_throttle.hpp"

namespace callbackd::sip {

using LegId = std::uint64_t;

enum class Transport { Udp, Tcp, Other };

struct InviteInfo {
  std::string call_id;
  std::string request_user;         // user part of the Request-URI (the dialled number)
  std::string request_uri;          // the whole Request-URI, as the digest's uri must repeat it
  std::string proxy_authorization;  // the raw Proxy-Authorization value (a phone's answer to our 407)
  std::string from_user;
  std::string from_display;
  std::string from_uri;
  std::string asserted_user;  // P-Asserted-Identity user, empty when absent
  bool privacy_id = false;    // Privacy: id / header / user
  std::string source_ip;
  std::uint16_t source_port = 0;
  Transport transport = Transport::Other;
  std::string sdp;  // the offer, may be empty
};

// A REGISTER, as far as the registrar needs it. Strings are as Sofia parsed them (hostile: escape to log).
struct RegisterRequest {
  struct ContactEntry {
    std::string uri;
    std::optional<int> expires;  // the contact's expires parameter; nullopt when absent or not a number
  };
  std::string request_uri;
  std::string to_user;        // the address of record's user part: the extension number
  std::string authorization;  // the raw Authorization value; empty when absent
  std::vector<ContactEntry> contacts;
  bool wildcard = false;       // Contact: *
  std::optional<int> expires;  // the Expires header
  std::string source_ip;
  std::uint16_t source_port = 0;
  Transport transport = Transport::Other;
};

// A final response the application builds: the reason phrase is the status's standard one, and each header
// is a complete "Name: value" without the line end.
struct SipReply {
  int status = 500;
  std::vector<std::string> headers;
};

// Answers a REGISTER, now or later (once), on the loop thread.
using RegisterResponder = std::function<void(const SipReply&)>;
using RegisterHandler = std::function<void(const RegisterRequest&, RegisterResponder)>;

// Callbacks from the stack, on the event-loop thread. A leg receives exactly one on_ended, last.
class SipEvents {
 public:
  virtual ~SipEvents() = default;
  virtual void on_invite(LegId leg, const InviteInfo& info) = 0;
  virtual void on_cancel(LegId leg) = 0;  // the caller gave up before we answered
  // Outgoing: 1xx received; sdp is the body of a 183 Session Progress with early media, else empty.
  virtual void on_progress(LegId leg, int status, const std::string& sdp) = 0;
  virtual void on_answered(LegId leg, const std::string& sdp) = 0;  // outgoing: 2xx received (ACK sent)
  virtual void on_failed(LegId leg, int status, const std::string& phrase) = 0;  // outgoing: final >= 300
  virtual void on_dtmf_info(LegId leg, char digit) = 0;  // SIP INFO application/dtmf-relay
  // A re-INVITE on an established leg (hold, session refresh, new address); answer with answer_reinvite().
  virtual void on_reinvite(LegId leg, const std::string& sdp) = 0;
  virtual void on_ended(LegId leg) = 0;  // the dialog is gone (BYE, CANCEL, failure)
};

struct SipSettings {
  std::string listen_host;
  std::uint16_t listen_port = 0;
  std::string user_agent = "callbackd";
  ThrottleSettings throttle;  // INVITEs and REGISTERs from strangers, per source IP
};

// RFC 3261's reason phrase for a status ("Forbidden" for 403), static text; "" for an unknown status.
const char* status_phrase(int status);

class SipStack {
 public:
  SipStack(EventLoop& loop, SipSettings settings, SipEvents& events);
  ~SipStack();
  SipStack(const SipStack&) = delete;
  SipStack& operator=(const SipStack&) = delete;

  // Who answers REGISTER; set before start(). Without one the stack answers REGISTER with 405 itself.
  void set_register_handler(RegisterHandler handler);
  // Which source addresses the throttle never limits (a line's gateway, a registered phone); set before
  // start(). Asked on the loop, only for a source that has used up its bucket.
  void set_trusted_sources(SourceThrottle::Trusted trusted);
  std::uint64_t throttled() const;  // requests refused by the throttle so far; any thread
  // Binds UDP and TCP on the listen address; throws std::runtime_error when it cannot.
  void start();
  // Ends every dialog and the stack; `done` runs on the loop when nua has finished.
  void shutdown(std::function<void()> done);
  // During shutdown, for peers that never answer our BYE or CANCEL: drops every dialog now (each leg gets
  // on_failed and on_ended), so nua finishes within its next one-second round instead of after 30 s.
  void drop_dialogs();

  void ring(LegId leg);                            // 180 Ringing
  void answer(LegId leg, const std::string& sdp);  // 200 OK with our answer
  // The reason phrase is always the status's standard one: nua keeps the phrase pointer, not a copy, until
  // it builds the response later, so only static text may be handed to it.
  void reject(LegId leg, int status);
  // A final answer with headers of our own (a 407 challenge); the headers are copied.
  void reject(LegId leg, const SipReply& reply);
  void answer_reinvite(LegId leg, const std::string& sdp);  // 200 with our SDP; empty sdp: 488
  LegId invite(const std::string& request_uri, const std::string& from_uri, const std::string& sdp);
  // An out-of-dialog OPTIONS (the lines' keepalive). `done` runs once on the loop with the final status
  // (408 when nothing answered, 503 on a transport error), unless drop_ping() comes first. 0: not sent.
  std::uint64_t ping(const std::string& request_uri, std::function<void(int status)> done);
  void drop_ping(std::uint64_t id);  // no-op for an answered or unknown ping
  // BYE when established, CANCEL while an outgoing call rings (or drop it when the far end never answered at
  // all), 480 while an incoming call rings.
  void hangup(LegId leg);

  std::size_t active_legs() const;
  const SipSettings& settings() const { return settings_; }

 private:
  void abandon(LegId leg);  // drops an outgoing INVITE that got no response at all; reports 408 and the end

  struct Impl;
  SipSettings settings_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace callbackd::sip

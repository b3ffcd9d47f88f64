#include "sip/sip_stack.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag_io.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

#include "callback/text.hpp"
#include "sip/guard.hpp"
#include "sip/sip_message.hpp"

namespace callbackd::sip {

namespace {

// The INVITE dialog as the stack sees it; the call's own states live in pbx.
enum class DialogState {
  Calling,     // outgoing, nothing received yet: cannot be CANCELled (RFC 3261 9.1)
  Proceeding,  // outgoing, a 1xx arrived
  Offered,     // incoming, no final response sent yet
  Final,       // a final response was sent or received (a 2xx may still await its ACK)
  Established,
};

}  // namespace

struct SipStack::Impl {
  struct Handle {
    nua_handle_t* nh = nullptr;
    bool incoming = false;
    DialogState state = DialogState::Calling;
  };

  EventLoop& loop;
  SipEvents& events;
  nua_t* nua = nullptr;
  LegId next_leg = 1;
  std::unordered_map<LegId, Handle> legs;
  std::unordered_map<nua_handle_t*, LegId> by_handle;
  struct Ping {
    std::uint64_t id = 0;
    std::function<void(int)> done;
  };
  std::uint64_t next_ping = 1;
  std::unordered_map<nua_handle_t*, Ping> pings;  // OPTIONS we sent, by handle
  RegisterHandler register_handler;
  // REGISTERs waiting for the application's answer, each with nua's saved event (NUTAG_WITH_SAVED).
  struct PendingRegister {
    nua_handle_t* nh = nullptr;
    nua_saved_event_t saved[1] = {};
  };
  std::uint64_t next_register = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<PendingRegister>> pending_registers;
  // False once the stack is gone: a late answer (the store was slow) is then dropped.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  std::function<void()> shutdown_done;
  bool shutdown_started = false;
  bool shutdown_final = false;  // nua_r_shutdown >= 200 arrived: nua_destroy() is allowed

  SourceThrottle throttle;

  Impl(EventLoop& l, SipEvents& e, const ThrottleSettings& t) : loop(l), events(e), throttle(t, nullptr) {}

  static void callback(nua_event_t event, int status, char const* phrase, nua_t* /*nua*/, nua_magic_t* magic,
                       nua_handle_t* nh, nua_hmagic_t* /*hmagic*/, sip_t const* sip, tagi_t tags[]) {
    guarded(nua_event_name(event),
            [&] { static_cast<Impl*>(magic)->dispatch(event, status, phrase ? phrase : "", nh, sip, tags); });
  }

  Handle* find(LegId leg) {
    auto it = legs.find(leg);
    return it == legs.end() ? nullptr : &it->second;
  }
  LegId leg_of(nua_handle_t* nh) const {
    auto it = by_handle.find(nh);
    return it == by_handle.end() ? 0 : it->second;
  }
  LegId add(nua_handle_t* nh, bool incoming) {
    LegId leg = next_leg++;
    legs.emplace(leg, Handle{nh, incoming, incoming ? DialogState::Offered : DialogState::Calling});
    by_handle.emplace(nh, leg);
    return leg;
  }

  // The throttle's one call site: a new INVITE or REGISTER from a stranger beyond its rate gets a bare 403
  // here, before a leg, a challenge or a log line exists for it. Sofia has sent an INVITE's 100 Trying
  // already; nothing earlier is reachable without patching it.
  bool throttled(nua_handle_t* nh) {
    if (throttle.admit(source_ip(nua_current_request(nua)), SourceThrottle::Clock::now())) return false;
    nua_respond(nh, 403, status_phrase(403), NUTAG_WITH_THIS(nua), TAG_END());
    nua_handle_destroy(nh);
    return true;
  }
  void dispatch(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, sip_t const* sip,
                tagi_t tags[]);
  void on_incoming_invite(nua_handle_t* nh, sip_t const* sip);
  void on_register(nua_handle_t* nh, sip_t const* sip);
  void answer_register(std::uint64_t id, const SipReply& reply);
  void drop_registers();
  void on_invite_result(LegId leg, int status, const char* phrase, sip_t const* sip);
  void on_ping_result(nua_handle_t* nh, int status) {
    auto it = pings.find(nh);
    if (it == pings.end()) return;
    auto done = std::move(it->second.done);
    pings.erase(it);
    nua_handle_destroy(nh);
    done(status);
  }
  void drop_pings() {
    for (auto& [nh, ping] : pings) nua_handle_destroy(nh);
    pings.clear();
  }
  void on_state(LegId leg, nua_handle_t* nh, tagi_t tags[]);
};

void SipStack::Impl::dispatch(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
                              sip_t const* sip, tagi_t tags[]) {
  const LegId leg = nh != nullptr ? leg_of(nh) : 0;
  switch (event) {
    case nua_i_invite:
      if (leg == 0) {
        if (!throttled(nh)) on_incoming_invite(nh, sip);
      } else {
        events.on_reinvite(leg, payload_of(sip));
      }
      return;
    case nua_i_cancel:
      if (leg != 0) events.on_cancel(leg);
      return;
    case nua_r_invite:
      if (leg != 0) on_invite_result(leg, status, phrase, sip);
      return;
    case nua_i_state:
      if (leg != 0) on_state(leg, nh, tags);
      return;
    case nua_r_options:
      if (status >= 200) on_ping_result(nh, status);
      return;
    case nua_i_info:
      if (leg != 0) {
        if (char digit = dtmf_from_info(sip); digit != 0) events.on_dtmf_info(leg, digit);
      }
      return;
    case nua_r_shutdown:
      if (status >= 200) {
        shutdown_final = true;
        if (shutdown_done) std::exchange(shutdown_done, nullptr)();
      }
      return;
    case nua_i_error:
      spdlog::warn("sip: stack error {} {}", status, phrase);
      return;
    case nua_i_register:
      if (leg == 0 && nh != nullptr && throttled(nh)) return;
      if (leg == 0 && nh != nullptr && register_handler) return on_register(nh, sip);
      if (leg == 0 && nh != nullptr) nua_handle_destroy(nh);
      return;
    case nua_i_options:
    case nua_i_message:
    case nua_i_subscribe:
    case nua_i_notify:
    case nua_i_refer:
    case nua_i_publish:
    case nua_i_method:
      // The stack has answered these out-of-dialog requests itself; nothing here keeps their handles.
      if (leg == 0 && nh != nullptr) nua_handle_destroy(nh);
      return;
    default:
      return;
  }
}

void SipStack::Impl::on_incoming_invite(nua_handle_t* nh, sip_t const* sip) {
  LegId leg = add(nh, true);
  InviteInfo info = invite_info(sip, nua_current_request(nua));
  spdlog::info("leg {}: INVITE from \"{}\" ({}:{}) to \"{}\"", leg, callback::text::log_escape(info.from_uri),
               info.source_ip, info.source_port, callback::text::log_escape(info.request_user));
  events.on_invite(leg, info);
}

void SipStack::Impl::on_register(nua_handle_t* nh, sip_t const* sip) {
  // Read before nua_save_event(), which takes the current request away from nua_current_request().
  const RegisterRequest req = register_request(sip, nua_current_request(nua));
  const std::uint64_t id = next_register++;
  auto pending = std::make_unique<PendingRegister>();
  pending->nh = nh;
  nua_save_event(nua, pending->saved);
  pending_registers.emplace(id, std::move(pending));
  register_handler(req, [this, id, alive = alive](const SipReply& reply) {
    if (*alive) answer_register(id, reply);
  });
}

void SipStack::Impl::answer_register(std::uint64_t id, const SipReply& reply) {
  auto it = pending_registers.find(id);
  if (it == pending_registers.end()) return;  // answered already, or dropped at shutdown
  std::unique_ptr<PendingRegister> p = std::move(it->second);
  pending_registers.erase(it);
  std::string headers;
  for (const std::string& h : reply.headers) headers.append(h).append("\r\n");
  // The phrase is Sofia's static text (see reject()); the headers are copied by the tag list.
  nua_respond(p->nh, reply.status, status_phrase(reply.status), NUTAG_WITH_SAVED(p->saved),
              TAG_IF(!headers.empty(), SIPTAG_HEADER_STR(headers.c_str())), TAG_END());
  nua_destroy_event(p->saved);
  nua_handle_destroy(p->nh);
}

void SipStack::Impl::drop_registers() {
  for (auto& [id, p] : pending_registers) {
    nua_respond(p->nh, 503, status_phrase(503), NUTAG_WITH_SAVED(p->saved), TAG_END());
    nua_destroy_event(p->saved);
    nua_handle_destroy(p->nh);
  }
  pending_registers.clear();
}

void SipStack::Impl::on_invite_result(LegId leg, int status, const char* phrase, sip_t const* sip) {
  Handle* h = find(leg);
  if (h == nullptr || status < 100) return;
  if (status < 200) {
    h->state = DialogState::Proceeding;
    events.on_progress(leg, status, payload_of(sip));
    return;
  }
  h->state = status < 300 ? DialogState::Established : DialogState::Final;
  if (status < 300) {
    events.on_answered(leg, payload_of(sip));
  } else {
    events.on_failed(leg, status, phrase);
  }
}

void SipStack::Impl::on_state(LegId leg, nua_handle_t* nh, tagi_t tags[]) {
  int state = nua_callstate_init;
  tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
  if (state == nua_callstate_ready) {
    if (Handle* h = find(leg)) h->state = DialogState::Established;
  }
  if (state != nua_callstate_terminated) return;
  legs.erase(leg);
  by_handle.erase(nh);
  nua_handle_destroy(nh);
  events.on_ended(leg);
}

SipStack::SipStack(EventLoop& loop, SipSettings settings, SipEvents& events)
    : settings_(std::move(settings)), impl_(std::make_unique<Impl>(loop, events, settings_.throttle)) {}

SipStack::~SipStack() {
  *impl_->alive = false;
  if (impl_->nua == nullptr) return;
  if (!impl_->shutdown_started || impl_->shutdown_final) {
    nua_destroy(impl_->nua);
    return;
  }
  // nua refuses to be destroyed mid-shutdown; the loop no longer runs, so none of its callbacks can reach us.
  spdlog::error("sip: the stack did not finish its shutdown in time; left to the process exit");
}

namespace {

// Why host:port cannot be bound for `type` (SOCK_DGRAM, SOCK_STREAM), or empty when it can. Asked before
// nua_create: a failed nua_create leaks Sofia's own allocations and says only "initializing SIP stack
// failed", while this names the reason (a taken port, an address not on this host).
std::string bind_problem(const std::string& host, std::uint16_t port, int type) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    return "";  // a name: Sofia resolves it and reports its own failure
  }
  const int fd = ::socket(addr.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::system_category().message(errno);
  const int one = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as Sofia does
  const int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? "" : std::system_category().message(err);
}

}  // namespace

void SipStack::start() {
  const bool v6 = settings_.listen_host.find(':') != std::string::npos;
  const std::string url = "sip:" + (v6 ? "[" + settings_.listen_host + "]" : settings_.listen_host) + ":" +
                          std::to_string(settings_.listen_port);
  for (const auto& [type, name] : {std::pair{SOCK_DGRAM, "UDP"}, std::pair{SOCK_STREAM, "TCP"}}) {
    const std::string why = bind_problem(settings_.listen_host, settings_.listen_port, type);
    if (!why.empty())
      throw std::runtime_error(fmt::format("cannot listen for SIP on {} ({}): {}", url, name, why));
  }
  impl_->nua =
      nua_create(impl_->loop.root(), &Impl::callback, impl_.get(), NUTAG_URL(url.c_str()), NUTAG_AUTOALERT(0),
                 NUTAG_AUTOANSWER(0), NUTAG_MEDIA_ENABLE(0),
                 // Responses go to the source port whatever the Via's sent-by says (port 0, 99999),
                 // like rport on every request: see third_party/sofia-sip/README.md.
                 NTATAG_SERVER_RPORT(2),
                 // Exactly what we serve (nua's default adds MESSAGE, SUBSCRIBE, NOTIFY, REFER).
                 // PRACK and UPDATE stay: nua itself handles 100rel and session-timer refreshes.
                 // REGISTER only with a registrar, which answers it itself (NUTAG_APPL_METHOD).
                 SIPTAG_ALLOW_STR(impl_->register_handler
                                      ? "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, PRACK, UPDATE, REGISTER"
                                      : "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, PRACK, UPDATE"),
                 TAG_IF(static_cast<bool>(impl_->register_handler), NUTAG_APPL_METHOD("REGISTER")),
                 SIPTAG_USER_AGENT_STR(settings_.user_agent.c_str()), TAG_END());
  if (impl_->nua == nullptr) throw std::runtime_error("cannot listen for SIP on " + url + " (UDP and TCP)");
  spdlog::info("sip: listening on {} (UDP and TCP)", url);
}

void SipStack::set_trusted_sources(SourceThrottle::Trusted trusted) {
  impl_->throttle.trust(std::move(trusted));
}

std::uint64_t SipStack::throttled() const {
  return impl_->throttle.dropped();
}

void SipStack::set_register_handler(RegisterHandler handler) {
  impl_->register_handler = std::move(handler);
}

void SipStack::shutdown(std::function<void()> done) {
  if (impl_->nua == nullptr) {
    done();
    return;
  }
  impl_->drop_registers();
  impl_->drop_pings();
  impl_->shutdown_done = std::move(done);
  impl_->shutdown_started = true;
  nua_shutdown(impl_->nua);
}

void SipStack::ring(LegId leg) {
  if (auto* h = impl_->find(leg); h != nullptr && h->state == DialogState::Offered) {
    nua_respond(h->nh, SIP_180_RINGING, TAG_END());
  }
}

void SipStack::answer(LegId leg, const std::string& sdp) {
  auto* h = impl_->find(leg);
  if (h == nullptr || h->state != DialogState::Offered) return;
  h->state = DialogState::Final;
  nua_respond(h->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
}

const char* status_phrase(int status) {
  const char* phrase = sip_status_phrase(status);
  return phrase != nullptr ? phrase : "";
}

void SipStack::reject(LegId leg, int status) {
  auto* h = impl_->find(leg);
  if (h == nullptr || h->state != DialogState::Offered) return;
  h->state = DialogState::Final;
  // nua_respond() stores the phrase pointer and reads it when the response is built, after this returns:
  // Sofia's own table is static, so the phrase outlives the transaction.
  // A 503 (overload, shutting down) says when to come back, so a gateway does not retry at once (RFC 3261
  // 21.5.4); the literal is static, as Sofia copies tags but we keep to the rule for every string.
  nua_respond(h->nh, status, status_phrase(status), TAG_IF(status == 503, SIPTAG_RETRY_AFTER_STR("5")),
              TAG_END());
}

void SipStack::reject(LegId leg, const SipReply& reply) {
  auto* h = impl_->find(leg);
  if (h == nullptr || h->state != DialogState::Offered) return;
  h->state = DialogState::Final;
  std::string headers;
  for (const std::string& line : reply.headers) headers.append(line).append("\r\n");
  // The phrase is Sofia's static text (see reject() above); the headers are copied by the tag list.
  nua_respond(h->nh, reply.status, status_phrase(reply.status),
              TAG_IF(!headers.empty(), SIPTAG_HEADER_STR(headers.c_str())), TAG_END());
}

void SipStack::answer_reinvite(LegId leg, const std::string& sdp) {
  auto* h = impl_->find(leg);
  if (h == nullptr) return;
  if (sdp.empty()) {
    nua_respond(h->nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
    return;
  }
  nua_respond(h->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
}

LegId SipStack::invite(const std::string& request_uri, const std::string& from_uri, const std::string& sdp) {
  const std::string to = "<" + request_uri + ">";
  const std::string from = "<" + from_uri + ">";
  nua_handle_t* nh = nua_handle(impl_->nua, nullptr, SIPTAG_TO_STR(to.c_str()), TAG_END());
  if (nh == nullptr) return 0;
  LegId leg = impl_->add(nh, false);
  nua_invite(nh, SIPTAG_FROM_STR(from.c_str()), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
             SIPTAG_PAYLOAD_STR(sdp.c_str()), TAG_END());
  spdlog::info("leg {}: INVITE \"{}\" from \"{}\"", leg, callback::text::log_escape(request_uri),
               callback::text::log_escape(from_uri));
  return leg;
}

std::uint64_t SipStack::ping(const std::string& request_uri, std::function<void(int status)> done) {
  if (impl_->nua == nullptr || impl_->shutdown_started) return 0;
  const std::string to = "<" + request_uri + ">";
  nua_handle_t* nh = nua_handle(impl_->nua, nullptr, SIPTAG_TO_STR(to.c_str()), TAG_END());
  if (nh == nullptr) return 0;
  const std::uint64_t id = impl_->next_ping++;
  impl_->pings.emplace(nh, Impl::Ping{id, std::move(done)});
  nua_options(nh, TAG_END());
  return id;
}

void SipStack::drop_ping(std::uint64_t id) {
  for (auto it = impl_->pings.begin(); it != impl_->pings.end(); ++it) {
    if (it->second.id != id) continue;
    nua_handle_destroy(it->first);
    impl_->pings.erase(it);
    return;
  }
}

void SipStack::hangup(LegId leg) {
  auto* h = impl_->find(leg);
  if (h == nullptr) return;
  switch (h->state) {
    case DialogState::Offered:
      h->state = DialogState::Final;
      nua_respond(h->nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END());
      return;
    case DialogState::Proceeding:
      nua_cancel(h->nh, TAG_END());
      return;
    case DialogState::Calling:
      abandon(leg);
      return;
    case DialogState::Final:
    case DialogState::Established:
      // Established, or answered by us but not yet confirmed by ACK: BYE ends both.
      nua_bye(h->nh, TAG_END());
      return;
  }
}

void SipStack::drop_dialogs() {
  std::vector<LegId> legs;
  for (const auto& [leg, handle] : impl_->legs) legs.push_back(leg);
  if (!legs.empty()) spdlog::warn("sip: {} dialog(s) still open at shutdown, dropped", legs.size());
  for (LegId leg : legs) {
    const Impl::Handle h = impl_->legs.at(leg);
    if (h.state == DialogState::Calling || h.state == DialogState::Proceeding) {
      abandon(leg);  // an outgoing call that never got a final response ends as a timeout
      continue;
    }
    nua_handle_destroy(h.nh);
    impl_->by_handle.erase(h.nh);
    impl_->legs.erase(leg);
    impl_->loop.post([impl = impl_.get(), leg] { impl->events.on_ended(leg); });
  }
}

void SipStack::abandon(LegId leg) {
  // RFC 3261 9.1: no CANCEL before a provisional response. A far end that has said nothing at all would keep
  // the INVITE alive until timer B (32 s), so the transaction is dropped and the leg ends as a timeout now.
  auto* h = impl_->find(leg);
  if (h == nullptr) return;
  nua_handle_destroy(h->nh);
  impl_->by_handle.erase(h->nh);
  impl_->legs.erase(leg);
  impl_->loop.post([impl = impl_.get(), leg] {
    impl->events.on_failed(leg, 408, "Request Timeout (no response)");
    impl->events.on_ended(leg);
  });
}

std::size_t SipStack::active_legs() const {
  return impl_->legs.size();
}

}  // namespace callbackd::sip

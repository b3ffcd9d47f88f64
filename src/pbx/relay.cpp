// Call Relay: the attendant's caller dials a number and callbackd places the call (a B2BUA far leg in the
// same Call), plays ringback to the caller while it rings, bridges the two RTP sessions on answer and brings
// the caller back to the attendant when the far leg ends. The far end sees the line's number, never digits
// the caller typed, and every number passes the same outgoing check as a callback.
#include <spdlog/spdlog.h>

#include "callback/policy.hpp"
#include "callback/security_event.hpp"
#include "callback/text.hpp"
#include "pbx/call_manager.hpp"

namespace callbackd::pbx {
namespace {

constexpr int kRingbackRepeats = 30;
constexpr std::uint16_t kSipPort = 5060;  // each prompt is one 6 s cadence; the ring timeout ends it sooner

ivr::CallOutcome outcome_of(const EndCause& cause) {
  switch (cause.kind) {
    case EndKind::Busy:
      return ivr::CallOutcome::Busy;
    case EndKind::NoAnswer:
      return ivr::CallOutcome::NoAnswer;
    case EndKind::Refused:
      return ivr::CallOutcome::Refused;
    case EndKind::NoLine:
    case EndKind::Unreachable:
      return ivr::CallOutcome::Unavailable;
    default:
      return ivr::CallOutcome::Failed;
  }
}

}  // namespace

void CallManager::connect(Call& call, Leg& leg, ivr::MenuAction kind, const std::string& target) {
  std::optional<EndCause> failed;
  switch (kind) {
    case ivr::MenuAction::Dial:
      failed = start_relay(call, leg, target);
      break;
    case ivr::MenuAction::Extension:
      failed = start_extension_call(call, leg, target);
      break;
    case ivr::MenuAction::Operator:
      failed = start_extension_call(call, leg, settings_.attendant.operator_extension);
      break;
    default:
      failed = EndCause{EndKind::Unreachable, 0, "feature not available"};
      break;
  }
  if (failed) relay_result(call, outcome_of(*failed));
}

void CallManager::relay_result(Call& call, ivr::CallOutcome outcome) {
  const CallId cid = call.id;
  // Posted: the attendant is in the middle of its own actions when a dial fails at once.
  deps_.loop.post([this, alive = alive_, cid, outcome] {
    if (!*alive) return;
    if (auto it = calls_.find(cid); it != calls_.end()) {
      ivr::AaEvent ev{ivr::AaEvent::Kind::CallResult};
      ev.call = outcome;
      feed_attendant(*it->second, ev);
    }
  });
}

std::size_t CallManager::relays_of(const std::string& caller) const {
  std::size_t n = 0;
  for (const auto& [cid, call] : calls_) {
    if (call->far_leg != 0 && (caller.empty() || call->caller_number == caller)) ++n;
  }
  return n;
}

int CallManager::relays_on(const std::string& line) const {
  int n = 0;
  for (const auto& [cid, call] : calls_) {
    const Leg* far = call->far_leg != 0 ? call->leg(call->far_leg) : nullptr;
    if (far != nullptr && far->kind == LegKind::Relay && far->line == line) ++n;
  }
  return n;
}

// The caller's hourly and daily caps on paid relayed calls (an extension call is free and not counted).
std::optional<EndCause> CallManager::relay_capped(Call& call, const Leg& caller) {
  if (const auto window = relay_caps_.reached(call.caller_number, now_unix())) {
    const auto limit = *window == RelayCaps::Window::Hour ? settings_.policy.max_relay_calls_per_hour
                                                          : settings_.policy.max_relay_calls_per_day;
    const std::string limit_text = std::to_string(limit) + " per " + std::string(to_string(*window));
    const std::string entry = call.entry_ref();
    callback::log_security_event(callback::SecurityEvent::RelayCapReached, caller.peer_ip,
                                 {{"caller", call.caller_number}, {"entry", entry}, {"limit", limit_text}});
    return EndCause{EndKind::Refused, 0, "relay-cap"};
  }
  return std::nullopt;
}

// A number is judged as the line it would leave on dials it: a free line that may dial it (a trunk opened
// abroad), else the first free line, whose refusal the caller hears.
const Line* CallManager::relay_line(const callback::ParsedDestination& target) const {
  const auto room = [this](const Line& l) {
    return l.max_relay_calls == 0 || relays_on(l.name) < l.max_relay_calls;
  };
  if (target) {
    const auto may_dial = [&](const Line& l) {
      return room(l) && policy_.judge(*target, dialing_of(l), callback::CallPurpose::Relay).allowed();
    };
    if (const Line* open = lines_.pick("", may_dial)) return open;
  }
  return lines_.pick("", room);
}

// The Request-URI of a number the policy allowed on `line`: its normalised form, never the keys pressed.
std::string CallManager::line_uri(const Line& line, const std::string& number) {
  return "sip:" + number + "@" + line.gateway.str() +
         (line.transport == LineTransport::Tcp ? ";transport=tcp" : "");
}

std::optional<EndCause> CallManager::start_relay(Call& call, Leg& caller, const std::string& digits) {
  const std::size_t per_caller = static_cast<std::size_t>(settings_.policy.max_relay_calls_per_caller);
  const std::size_t total = static_cast<std::size_t>(settings_.policy.max_relay_calls);
  if (relays_of(call.caller_number) >= per_caller || relays_of("") >= total) {
    spdlog::warn("call {}: relay refused: too many relayed calls", call.id);
    return EndCause{EndKind::NoLine, 0, "relay limit"};
  }
  // A number has no '*': keys with one spell an IP destination (docs/operations.md).
  if (digits.find('*') != std::string::npos) return start_ip_relay(call, caller, digits);
  // A registered extension is an internal call: no line, no toll. Any other number (an extension number is
  // also a valid local number) goes to the PSTN check like every relayed number.
  if (callback::is_extension_number(digits) && locate_ && !locate_(digits).empty()) {
    return start_extension_call(call, caller, digits);
  }
  if (auto capped = relay_capped(call, caller)) return capped;
  const auto target = callback::Destination::parse_pstn(digits);
  const Line* line = relay_line(target);
  if (line == nullptr) return EndCause{EndKind::NoLine, 0, ""};
  const std::string entry = call.entry_ref();
  const callback::LineDialing dialing = dialing_of(*line);
  const callback::OutgoingCall out{.purpose = callback::CallPurpose::Relay,
                                   .line = &dialing,
                                   .destination = digits,
                                   .from = caller.peer_ip,
                                   .subject = call.caller_number,
                                   .entry = entry};
  const auto judged = callback::check_outgoing(policy_, target, out);
  if (!judged.allowed()) {
    return EndCause{EndKind::Refused, 0, judged.refused};  // check_outgoing logged the security event
  }
  return relay_leg(call, caller, {line_uri(*line, judged.number), judged.number, line});
}

std::optional<EndCause> CallManager::start_ip_relay(Call& call, Leg& caller, const std::string& keys) {
  if (auto capped = relay_capped(call, caller)) return capped;
  const auto target = callback::Destination::parse_ip_dial(keys);
  const callback::SipUri* uri = target ? target->sip() : nullptr;
  // A URI to a line's gateway is a PSTN call on that line: judged as it dials, on one of its channels.
  const Line* line =
      uri != nullptr ? lines_.from_source(uri->host, uri->port.value_or(kSipPort), false) : nullptr;
  const std::string entry = call.entry_ref();
  const callback::LineDialing dialing = line != nullptr ? dialing_of(*line) : callback::LineDialing{};
  const callback::OutgoingCall out{.purpose = callback::CallPurpose::Relay,
                                   .line = &dialing,
                                   .destination = keys,
                                   .from = caller.peer_ip,
                                   .subject = call.caller_number,
                                   .entry = entry};
  const auto judged = callback::check_outgoing(policy_, target, out);
  if (!judged.allowed()) {
    return EndCause{EndKind::Refused, 0, judged.refused};  // check_outgoing logged the security event
  }
  if (line == nullptr) {
    // Straight to the URI, not through a line: the policy allowed this host (policy.relay_sip_hosts).
    return relay_leg(call, caller, {target->text(), target->text(), nullptr});
  }
  const bool relay_full = line->max_relay_calls != 0 && relays_on(line->name) >= line->max_relay_calls;
  if (lines_.in_use(line->name) >= line->channels || relay_full) return EndCause{EndKind::NoLine, 0, ""};
  return relay_leg(call, caller, {line_uri(*line, judged.number), judged.number, line});
}

std::optional<EndCause> CallManager::relay_leg(Call& call, Leg& caller, const RelayTarget& target) {
  // The far end sees the line's own number, never what the caller typed: no caller ID spoofing by relay.
  const bool numbered = target.line != nullptr && !target.line->number.empty();
  const std::string from_uri =
      "sip:" + (numbered ? target.line->number : std::string("callback")) + "@" + settings_.sip_listen.str();
  const std::string line_name = target.line != nullptr ? target.line->name : std::string();
  Leg* far = place_leg(call, LegKind::Relay, target.request_uri, from_uri, line_name);
  if (far == nullptr) return EndCause{EndKind::NoSipRequest, 0, ""};
  relay_caps_.placed(call.caller_number, now_unix());
  far->caller = target.shown;
  far->record.direction = "relay";
  far->record.job_id = caller.record.job_id;
  spdlog::info("call {}: relaying caller {} to {} on line {} (leg {})", call.id,
               callback::text::log_escape(call.caller_number), target.shown,
               line_name.empty() ? std::string("(none)") : line_name, far->id);
  std::vector<std::string> ringback(kRingbackRepeats, "ringback");
  play(call, caller, ringback);
  return std::nullopt;
}

std::optional<EndCause> CallManager::start_extension_call(Call& call, Leg& caller,
                                                          const std::string& number) {
  const auto contacts =
      callback::is_extension_number(number) && locate_ ? locate_(number) : std::vector<std::string>{};
  if (contacts.empty()) return EndCause{EndKind::Unreachable, 0, "extension not registered"};
  // The extension sees who is calling when that is a verified number; a SIP caller shows as the attendant.
  const bool number_known =
      !call.caller_number.empty() && call.caller_number.find_first_not_of("+0123456789") == std::string::npos;
  const std::string from_uri = "sip:" + (number_known ? call.caller_number : std::string("attendant")) + "@" +
                               settings_.sip_listen.str();
  // Every phone of the extension rings at once (fork.cpp).
  if (place_forks(call, caller, contacts, from_uri, number) == 0)
    return EndCause{EndKind::NoSipRequest, 0, ""};
  play(call, caller, std::vector<std::string>(kRingbackRepeats, "ringback"));
  return std::nullopt;
}

Leg* CallManager::place_leg(Call& call, LegKind kind, const std::string& request_uri,
                            const std::string& from_uri, const std::string& line) {
  auto sent = send_invite(&call, kind, request_uri, from_uri, line);
  if (std::holds_alternative<EndCause>(sent)) return nullptr;
  Leg& leg = *std::get<Leg*>(sent);
  const LegId id = leg.id;
  call.far_leg = id;
  call.far_reported = false;
  leg.ring_timer.start(std::chrono::seconds(settings_.callback.ring_timeout_s), [this, id] {
    Leg* l = find(id);
    if (l == nullptr) return;
    decide(*l, EndCause{EndKind::NoAnswer, 0, ""});
    if (transition(*l, LegEvent::RingTimeout)) deps_.sip.hangup(id);
  });
  return &leg;
}

void CallManager::relay_failed(Call& call, Leg& far) {
  if (fork_lost(call, far)) return;
  if (call.direct) return direct_ended(call, far);
  call.far_reported = true;
  if (Leg* caller = call.leg(call.attendant_leg); caller != nullptr && caller->media) {
    deps_.media.stop_playback(*caller->media);
    // After early media the caller was bridged to the far end: the busy or failure prompt is ours alone.
    if (far.remote_media) deps_.media.unbridge(*caller->media);
  }
  relay_result(call, outcome_of(reported_cause(call, far)));
}

void CallManager::relay_ended(Call& call, Leg& far) {
  if (fork_lost(call, far)) return;
  if (call.direct) return direct_ended(call, far);
  call.far_leg = 0;
  call.relay_timer.cancel();
  if (far.record.answered_at) {
    relay_result(call, ivr::CallOutcome::Ended);
  } else if (!call.far_reported) {
    // Ended before any final answer we saw (a transport failure): said once, or the second report would
    // stop the prompt the first one started.
    relay_failed(call, far);
  }
}

}  // namespace callbackd::pbx

#include "callback/policy.hpp"

#include "callback/security_event.hpp"

namespace callbackd::callback {
namespace {

// Policy steps: each returns the rejection, or nullopt to continue down the chain.
std::optional<Verdict> check_caller_id(const CallerId& id) {
  switch (id.status) {
    case CallerIdStatus::Withheld:
      return Verdict::RejectWithheld;
    case CallerIdStatus::Malformed:
      return Verdict::RejectMalformed;
    case CallerIdStatus::Valid:
      break;
  }
  return std::nullopt;
}

std::optional<Verdict> check_enabled(const store::AuthorizedPhone& phone) {
  if (!phone.callback_enabled) return Verdict::RejectDisabled;
  return std::nullopt;
}

std::optional<Verdict> check_window(const TriggerInput& in) {
  // A long ring can mean the call was answered elsewhere or that someone is probing: only short rings count.
  if (in.ring_time < std::chrono::milliseconds::zero() || in.ring_time > in.trigger_window) {
    return Verdict::RejectLateCancel;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Accept:
      return "accept";
    case Verdict::RejectWithheld:
      return "reject-withheld";
    case Verdict::RejectMalformed:
      return "reject-malformed";
    case Verdict::RejectUnknown:
      return "reject-unknown";
    case Verdict::RejectDisabled:
      return "reject-disabled";
    case Verdict::RejectLateCancel:
      return "reject-late-cancel";
    case Verdict::RejectDuplicate:
      return "reject-duplicate";
    case Verdict::RejectOpenJob:
      return "reject-open-job";
    case Verdict::RejectRateLimit:
      return "reject-rate-limit";
  }
  return "unknown-verdict";
}

TriggerDecision screen_trigger(const TriggerInput& in, const std::vector<store::AuthorizedPhone>& phones) {
  const CallerId id = classify_caller_id(in.caller);
  const bool valid = id.status == CallerIdStatus::Valid;
  return screen_trigger(in, id, valid ? find_trusted_caller(phones, id.number) : nullptr);
}

TriggerDecision screen_trigger(const TriggerInput& in, const CallerId& id,
                               const store::AuthorizedPhone* phone) {
  if (const auto v = check_caller_id(id)) return {*v, {}, nullptr};
  if (phone == nullptr) return {Verdict::RejectUnknown, id.number, nullptr};
  if (const auto v = check_enabled(*phone)) return {*v, id.number, phone};
  if (const auto v = check_window(in)) return {*v, id.number, phone};
  return {Verdict::Accept, id.number, phone};
}

ParsedDestination resolve_destination(const store::AuthorizedPhone& phone, std::string_view caller_number) {
  if (!phone.callback_destination.empty()) {
    return Destination::parse(phone.callback_destination, phone.callback_type);
  }
  if (caller_number.empty()) return {std::nullopt, "no destination and no caller number"};
  // A number entry's caller is called back at that number through a line, whatever the trigger's From host
  // was: "auto" must not read an address the caller wrote as the place to call.
  if (phone.callback_type == store::CallbackType::Auto && is_pstn_pattern(phone.caller_address)) {
    return Destination::parse_pstn(caller_number);
  }
  return Destination::parse(caller_number, phone.callback_type);
}

Judgement check_outgoing(const TollPolicy& policy, const ParsedDestination& target,
                         const OutgoingCall& call) {
  const LineDialing none;
  Judgement judged = target ? policy.judge(*target, call.line != nullptr ? *call.line : none, call.purpose)
                            : Judgement{target.error, {}, {}};
  if (judged.allowed()) return judged;
  const std::string& why = judged.refused;
  const std::string_view dest = target ? std::string_view(target->text()) : call.destination;
  log_security_event(SecurityEvent::DestinationRefused, call.from,
                     {{"purpose", to_string(call.purpose)},
                      {"for", call.subject},
                      {"entry", call.entry},
                      {"destination", dest},
                      {"reason", why}});
  return judged;
}

}  // namespace callbackd::callback

// Runs the Auto Attendant (ivr::Attendant) for a call: its actions become prompts on the attendant leg's RTP
// session, timers on the loop, a login checked against the store, a relayed call (relay.cpp) or a hang-up.
#include <spdlog/spdlog.h>

#include "callback/caller_match.hpp"
#include "callback/security_event.hpp"
#include "pbx/call_manager.hpp"
#include "store/password.hpp"

namespace callbackd::pbx {
namespace {

// Digits may be a PIN or a password: logs show that a key came and how, never which one. '#' only ends an
// entry (it is never part of one), so it stays visible for whoever follows a call through the log.
char masked(char digit) {
  return digit == '#' ? '#' : 'x';
}

struct CallerContext {
  ivr::AaCaller aa;
  std::optional<std::int64_t> entry;  // Call::caller_entry
  std::string caller_id;              // Call::caller_id
};

// Who the caller is, read on the store worker: the trusted caller's entry of the callback's job, and its
// login extension. Only a callback logs in by its entry: it reached the entry's own destination. A call the
// attendant answered shows a caller ID anyone can forge on the PSTN, so it logs in by phone; its entry
// (the trigger's match of `caller_number`) only offers *5 and *6, which ask for the login anyway.
CallerContext caller_context(store::Store& s, std::optional<std::int64_t> job_id,
                             const std::string& caller_number) {
  CallerContext out;
  std::optional<store::AuthorizedPhone> phone;
  if (!job_id) {
    out.caller_id = caller_number;
    if (!caller_number.empty()) phone = callback::find_trusted_caller(s, caller_number);
    if (phone) out.entry = phone->id;
    out.aa.remote_offered = phone && !phone->auto_call_relay;
    return out;
  }
  const auto job = s.get_job(*job_id);
  if (job) out.caller_id = job->caller;
  if (job && job->authorized_phone_id) phone = s.get_phone(*job->authorized_phone_id);
  if (!phone) return out;
  out.entry = phone->id;
  out.aa.remote_offered = !phone->auto_call_relay;
  out.aa.auto_call_relay = phone->auto_call_relay;
  if (phone->login_extension) {
    if (auto ext = s.get_extension(*phone->login_extension)) {
      out.aa.login_extension = ext->number;
      out.aa.relay_allowed = ext->allow_call_relay;
    }
  }
  return out;
}

// A registered phone proved its extension by digest: it is logged in as that extension. It has no entry in
// the Authorized Phones Database, so *5 and *6 are not offered to it.
CallerContext phone_context(store::Store& s, const std::string& extension) {
  CallerContext out;
  if (auto ext = s.get_extension(extension)) {
    out.aa.login_extension = ext->number;
    out.aa.relay_allowed = ext->allow_call_relay;
  }
  return out;
}

struct LoginCheck {
  bool ok = false;
  bool relay_allowed = false;
  bool remote_allowed = false;
};

// *5 and *6 need an extension that may configure the caller's entry: its login extension, or one with
// remote_callback.
bool may_configure(store::Store& s, const store::Extension& ext, std::optional<std::int64_t> entry) {
  if (ext.remote_callback) return true;
  const auto phone = entry ? s.get_phone(*entry) : std::nullopt;
  return phone && phone->login_extension == ext.number;
}

}  // namespace

void CallManager::start_attendant(Call& call, Leg& leg, std::optional<std::int64_t> job_id) {
  call.attendant_leg = leg.id;
  call.caller_number = leg.caller;  // an inbound caller, or the number a callback reached
  const LegId id = leg.id;
  call.limit_timer.start(std::chrono::seconds(settings_.callback.max_call_duration_s), [this, id] {
    spdlog::info("leg {}: maximum call duration reached", id);
    deps_.sip.hangup(id);
  });
  const CallId cid = call.id;
  // The caller ID as the trigger reads it: a withheld or malformed one names no entry.
  const auto id_of_caller = callback::classify_caller_id(leg.caller_id);
  const std::string number =
      id_of_caller.status == callback::CallerIdStatus::Valid ? id_of_caller.number : std::string();
  call.caller_id = number;
  const std::string phone = leg.kind == LegKind::Phone ? leg.caller : std::string();
  if (!job_id && number.empty() && phone.empty()) {
    begin_attendant(call, {});
    return;
  }
  deps_.store.ask(
      [job_id, number, phone](store::Store& s) {
        return phone.empty() ? caller_context(s, job_id, number) : phone_context(s, phone);
      },
      [this, alive = alive_, cid](const store::StoreOutcome<CallerContext>& out) {
        if (!*alive) return;
        auto it = calls_.find(cid);
        if (it == calls_.end()) return;
        // Without the store the caller still gets the menus, only not logged in.
        if (!out.ok()) spdlog::warn("call {}: caller's entry not read: {}", cid, out.error);
        if (out.ok()) {
          it->second->caller_entry = out.value->entry;
          it->second->caller_id = out.value->caller_id;
        }
        begin_attendant(*it->second, out.ok() ? out.value->aa : ivr::AaCaller{});
      });
}

void CallManager::begin_attendant(Call& call, ivr::AaCaller caller) {
  caller.locked_out =
      logins_.locked(call.caller_number, caller.login_extension.value_or(""), deps_.clock.now());
  if (caller.login_extension) {
    spdlog::info("call {}: caller logged in as extension {} by its entry", call.id, *caller.login_extension);
  }
  call.attendant.emplace(settings_.attendant.menu, std::move(caller));
  feed_attendant(call, {ivr::AaEvent::Kind::Start});
}

void CallManager::stop_attendant(Call& call) {
  call.attendant.reset();
  call.attendant_leg = 0;
  call.aa_timer.cancel();
  call.limit_timer.cancel();
}

void CallManager::on_digit(LegId id, char digit, const char* via) {
  Call* call = call_of(id);
  if (call == nullptr || !call->attendant) return;
  const bool from_far = id == call->far_leg;
  if (!from_far && call->attendant_leg != id) return;
  // Digits cross a bridge as RFC 4733 with the other leg's payload type; in-band tones cross in the audio.
  const bool bridged = call->attendant->phase() == ivr::AaPhase::Connected;
  if (bridged && std::string_view(via) != "inband") {
    const Leg* other = call->leg(from_far ? call->attendant_leg : call->far_leg);
    if (other != nullptr && other->media) deps_.media.send_dtmf(*other->media, digit);
  }
  if (from_far) return;
  spdlog::info("leg {}: dtmf '{}' via {}", id, masked(digit), via);
  feed_attendant(*call, {ivr::AaEvent::Kind::Digit, digit});
}

void CallManager::feed_attendant(Call& call, const ivr::AaEvent& ev) {
  Leg* leg = call.leg(call.attendant_leg);
  if (!call.attendant || leg == nullptr || leg->state != LegState::Answered) return;
  const std::size_t entry_before = call.attendant->last_entry_size();
  const auto before = std::pair(call.attendant->state(), call.attendant->phase());
  const auto actions = call.attendant->handle(ev);
  const auto after = std::pair(call.attendant->state(), call.attendant->phase());
  if (before != after) {
    spdlog::info("leg {}: attendant {}/{} -> {}/{}", leg->id, before.first, ivr::to_string(before.second),
                 after.first, ivr::to_string(after.second));
  }
  if (call.attendant->last_entry_size() != entry_before || ev.digit == '#') {
    spdlog::info("leg {}: attendant entry of {} key(s)", leg->id, call.attendant->last_entry_size());
  }
  for (const auto& action : actions) {
    if (!run_action(call, *leg, action)) return;
  }
}

bool CallManager::run_action(Call& call, Leg& leg, const ivr::AaAction& action) {
  const CallId cid = call.id;
  switch (action.kind) {
    case ivr::AaAction::Kind::Play:
      play(call, leg, action.prompts);
      break;
    case ivr::AaAction::Kind::StopPlayback:
      if (leg.media) deps_.media.stop_playback(*leg.media);
      break;
    case ivr::AaAction::Kind::ArmTimer:
      call.aa_timer.start(std::chrono::milliseconds(action.timer_ms), [this, cid] {
        if (auto it = calls_.find(cid); it != calls_.end()) {
          feed_attendant(*it->second, {ivr::AaEvent::Kind::Timeout});
        }
      });
      break;
    case ivr::AaAction::Kind::CancelTimer:
      call.aa_timer.cancel();
      break;
    case ivr::AaAction::Kind::Hangup:
      spdlog::info("leg {}: attendant hangs up", leg.id);
      deps_.sip.hangup(leg.id);
      return false;
    case ivr::AaAction::Kind::VerifyLogin:
      verify_login(call, leg, action.target, action.secret);
      break;
    case ivr::AaAction::Kind::Connect:
      connect(call, leg, action.connect, action.target);
      break;
    case ivr::AaAction::Kind::HangupFar:
      hangup_far(call);
      break;
    case ivr::AaAction::Kind::ApplyRemote:
      apply_remote(call, leg, action.remote);
      break;
  }
  return true;
}

void CallManager::verify_login(Call& call, Leg& leg, const std::string& extension,
                               const std::string& password) {
  const CallId cid = call.id;
  const std::string caller = call.caller_number;
  const std::string peer = leg.peer_ip;
  const std::string entry = call.entry_ref();
  auto answer = [this, cid](ivr::LoginOutcome outcome, LoginCheck check) {
    if (auto it = calls_.find(cid); it != calls_.end()) {
      ivr::AaEvent ev{ivr::AaEvent::Kind::LoginResult};
      ev.login = outcome;
      ev.relay_allowed = check.relay_allowed;
      ev.remote_allowed = check.remote_allowed;
      feed_attendant(*it->second, ev);
    }
  };
  if (logins_.locked(caller, extension, deps_.clock.now())) return answer(ivr::LoginOutcome::LockedOut, {});
  deps_.store.ask(
      [extension, password, realm = settings_.sip_realm, entry = call.caller_entry](store::Store& s) {
        const auto ext = s.get_extension(extension);
        // An unknown extension is checked against a hash of nothing anyone knows: it takes as long as a
        // wrong PIN and answers the same, so the login tells no one which extensions exist.
        store::Extension nobody;
        nobody.pin_hash = store::kNobodysPinHash;
        const bool match = store::verify_extension_pin(ext ? *ext : nobody, password, realm);
        if (!ext || !match) return LoginCheck{};
        return LoginCheck{true, ext->allow_call_relay, may_configure(s, *ext, entry)};
      },
      [this, alive = alive_, caller, extension, peer, entry,
       answer](const store::StoreOutcome<LoginCheck>& out) {
        if (!*alive) return;
        if (out.ok() && out.value->ok) {
          logins_.succeeded(caller, extension);
          spdlog::info("attendant: caller {} logged in as extension {}", callback::text::log_escape(caller),
                       callback::text::log_escape(extension));
          return answer(ivr::LoginOutcome::Accepted, *out.value);
        }
        callback::log_security_event(callback::SecurityEvent::PhoneLoginFailed, peer,
                                     {{"caller", caller}, {"entry", entry}, {"extension", extension}});
        if (!logins_.failed(caller, extension, deps_.clock.now()))
          return answer(ivr::LoginOutcome::Rejected, {});
        callback::log_security_event(callback::SecurityEvent::PhoneLockout, peer,
                                     {{"caller", caller},
                                      {"entry", entry},
                                      {"extension", extension},
                                      {"seconds", std::to_string(settings_.attendant.lockout_s)}});
        answer(ivr::LoginOutcome::LockedOut, {});
      });
}

void CallManager::play(Call& call, Leg& leg, const std::vector<std::string>& keys) {
  std::vector<media::PromptPtr> prompts;
  for (const auto& key : keys) {
    if (auto p = deps_.prompts.find(settings_.language + "/" + key)) {
      prompts.push_back(std::move(p));
    } else {
      spdlog::warn("leg {}: prompt '{}/{}' is missing", leg.id, settings_.language, key);
    }
  }
  if (!leg.media) return;
  if (prompts.empty()) {
    // Nothing to play still has to finish, or the attendant would wait for it forever.
    const CallId cid = call.id;
    deps_.loop.post([this, alive = alive_, cid] {
      if (!*alive) return;
      if (auto it = calls_.find(cid); it != calls_.end()) {
        feed_attendant(*it->second, {ivr::AaEvent::Kind::PlaybackDone});
      }
    });
    return;
  }
  deps_.media.play(*leg.media, std::move(prompts));
}

}  // namespace callbackd::pbx

// Remote Call Back Configuration by phone: the ApplyRemote action of the attendant. The destination passes
// the toll-fraud policy and [policy] remote_allow on the loop; the entry, its audit row and the callback job
// are written on the store worker (apply_remote_work); the job is handed to the runner when the call ends.
#include "pbx/remote.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <variant>

#include "callback/caller_match.hpp"
#include "callback/security_event.hpp"
#include "pbx/call_manager.hpp"
#include "pbx/job_destination.hpp"
#include "store/phone_json.hpp"

namespace callbackd::pbx {
namespace {

using ivr::RemoteKind;
using ivr::RemoteOutcome;

const char* name_of(RemoteOutcome o) {
  switch (o) {
    case RemoteOutcome::Scheduled:
      return "scheduled";
    case RemoteOutcome::SavedNoCallback:
      return "saved, no callback (caller ID does not match)";
    case RemoteOutcome::Refused:
      return "refused";
    case RemoteOutcome::NoEntry:
      return "no such entry";
    case RemoteOutcome::EntryExists:
      return "entry exists";
    case RemoteOutcome::NoLine:
      return "no line";
    case RemoteOutcome::Failed:
      return "failed";
  }
  return "unknown";
}

// An entry whose address is exactly this number (no pattern: a change by phone names one entry).
std::optional<store::AuthorizedPhone> exact_entry(store::Store& s, const std::string& number) {
  for (auto& p : s.trusted_caller_candidates(number)) {
    if (callback::normalize_number(p.caller_address) == number) return p;
  }
  return std::nullopt;
}

void audit(store::Store& s, const RemoteWork& w, const char* action, const store::AuthorizedPhone* old,
           const store::AuthorizedPhone& now) {
  store::AuditEntry e;
  e.at_ms = w.now_ms;
  e.actor = "phone:" + w.extension;
  e.source = w.caller;
  e.action = action;
  e.entity = "authorized-phone";
  e.entity_id = std::to_string(now.id);
  if (old != nullptr) e.old_value = store::phone_json(*old).dump();
  e.new_value = store::phone_json(now).dump();
  s.append_audit(e);
}

// The entry *6 writes: a new one (AddEntry), or the named one with its new destination.
std::variant<store::AuthorizedPhone, RemoteOutcome> save_entry(store::Store& s, const RemoteWork& w) {
  if (w.kind == RemoteKind::AddEntry) {
    if (exact_entry(s, w.entry_number)) return RemoteOutcome::EntryExists;
    store::AuthorizedPhone p;
    p.caller_type = store::CallerType::Pstn;
    p.caller_address = w.entry_number;
    p.login_extension = w.extension;
    p.description = "added by phone, extension " + w.extension;
    p.callback_enabled = true;
    p.callback_type = store::CallbackType::Pstn;
    p.callback_destination = w.destination;
    p = s.create_phone(p);
    audit(s, w, "create", nullptr, p);
    return p;
  }
  auto old = w.entry_number.empty() ? (w.caller_entry ? s.get_phone(*w.caller_entry) : std::nullopt)
                                    : exact_entry(s, w.entry_number);
  if (!old) return RemoteOutcome::NoEntry;
  // Only its login extension, or one with remote_callback, changes an entry; to anyone else it does not
  // exist, so the menu tells no one which numbers are trusted.
  const auto ext = s.get_extension(w.extension);
  if (!ext || (!ext->remote_callback && old->login_extension != w.extension)) return RemoteOutcome::NoEntry;
  store::AuthorizedPhone p = *old;
  p.callback_enabled = true;
  p.callback_destination = w.destination;
  // A number typed on a keypad is a PSTN number, whatever the entry called before.
  if (!w.destination.empty()) p.callback_type = store::CallbackType::Pstn;
  if (!s.update_phone(p)) return RemoteOutcome::NoEntry;
  audit(s, w, "replace", &*old, p);
  return p;
}

store::CallbackJob job_for(const RemoteWork& w, std::optional<std::int64_t> entry) {
  store::CallbackJob job;
  job.authorized_phone_id = entry;
  job.caller = w.caller;
  job.destination = w.job_destination;
  job.line = w.line;
  job.created_at_ms = w.now_ms;
  job.created_at = w.now_ms / 1000;
  job.due_at = job.created_at + kRemoteDelayS;
  job.one_time = w.kind == RemoteKind::OneTime;
  return job;
}

// A job that will not be dialled, kept so the admin sees what was asked and why not.
void record_failed(store::Store& s, store::CallbackJob job, const std::string& why) {
  job.state = store::JobState::Failed;
  job.last_result = "failed: " + why;
  s.create_job(job);
}

}  // namespace

RemoteApplied apply_remote_work(store::Store& s, const RemoteWork& w) {
  std::optional<store::AuthorizedPhone> entry;
  if (w.kind == RemoteKind::OneTime) {
    if (w.caller_entry) entry = s.get_phone(*w.caller_entry);
  } else {
    auto saved = save_entry(s, w);
    if (auto* outcome = std::get_if<RemoteOutcome>(&saved)) return {*outcome, std::nullopt};
    entry = std::get<store::AuthorizedPhone>(saved);
  }
  // Only the phone the entry trusts is called back: anyone else who knows a password could otherwise send
  // callbacks anywhere. A one-time callback belongs to no entry, so whoever answers it is not logged in.
  const bool caller_matches =
      entry && !w.caller.empty() && callback::wildcard_match(entry->caller_address, w.caller);
  const auto job_entry = w.kind == RemoteKind::OneTime || !entry ? std::nullopt : std::optional(entry->id);
  if (!caller_matches) {
    if (w.kind == RemoteKind::OneTime) record_failed(s, job_for(w, job_entry), "caller ID does not match");
    return {RemoteOutcome::SavedNoCallback, std::nullopt};
  }
  if (!w.line_up) {
    record_failed(s, job_for(w, job_entry), "no line");
    return {RemoteOutcome::NoLine, std::nullopt};
  }
  return {RemoteOutcome::Scheduled, s.create_job(job_for(w, job_entry))};
}

void CallManager::apply_remote(Call& call, Leg& leg, const ivr::RemoteRequest& request) {
  RemoteWork w;
  w.kind = request.kind;
  w.extension = request.extension;
  w.caller = callback::normalize_number(call.caller_id);
  w.caller_entry = call.caller_entry;
  w.entry_number = callback::normalize_number(request.entry_number);
  w.destination = callback::normalize_number(request.destination);
  const Line* line = lines_.find(leg.line);
  if (line == nullptr && !lines_.all().empty()) line = &lines_.all().front();
  w.line = line != nullptr ? line->name : std::string();
  w.line_up = std::any_of(lines_.all().begin(), lines_.all().end(),
                          [this](const Line& l) { return lines_.up(l.name); });
  w.now_ms = now_ms();
  // What is called back: the destination typed, else the entry's own number.
  const bool own = w.kind == RemoteKind::OneTime || w.entry_number.empty();
  const std::string number = !w.destination.empty() ? w.destination : own ? w.caller : w.entry_number;
  auto target = callback::Destination::parse_pstn(number);
  const callback::LineDialing dialing = line != nullptr ? dialing_of(*line) : callback::LineDialing{};
  const auto judged = target ? policy_.judge(*target, dialing, callback::CallPurpose::Callback)
                             : callback::Judgement{target.error, {}, {}};
  std::string why = judged.allowed() ? policy_.check_remote(*target, dialing) : judged.refused;
  if (why.empty()) {
    // Stored and called back as the number it is (E.164), not as keyed: another line may dial it later.
    target = callback::Destination::parse_pstn(judged.e164);
    if (!w.destination.empty()) w.destination = judged.e164;
  }
  if (!why.empty()) {
    callback::log_security_event(callback::SecurityEvent::RemoteDestinationRefused, leg.peer_ip,
                                 {{"caller", call.caller_number},
                                  {"entry", call.entry_ref()},
                                  {"extension", request.extension},
                                  {"destination", number},
                                  {"reason", why}});
    return remote_result(call.id, RemoteOutcome::Refused);
  }
  w.job_destination = to_job_destination(*target);
  const CallId cid = call.id;
  deps_.store.ask([w](store::Store& s) { return apply_remote_work(s, w); },
                  [this, alive = alive_, cid](const store::StoreOutcome<RemoteApplied>& out) {
                    if (!*alive) return;
                    if (!out.ok()) {
                      spdlog::error("call {}: remote configuration not stored: {}", cid, out.error);
                      return remote_result(cid, RemoteOutcome::Failed);
                    }
                    spdlog::info("call {}: remote configuration: {}", cid, name_of(out.value->outcome));
                    if (out.value->job) {
                      auto it = calls_.find(cid);
                      if (it != calls_.end()) {
                        it->second->remote_job = out.value->job;
                      } else {
                        jobs_.adopt(*out.value->job, kRemoteLineWaitS);
                      }
                    }
                    remote_result(cid, out.value->outcome);
                  });
}

void CallManager::remote_result(CallId cid, ivr::RemoteOutcome outcome) {
  ivr::AaEvent ev{ivr::AaEvent::Kind::RemoteResult};
  ev.remote = outcome;
  // Posted: the attendant is still in the middle of handling the event that asked for it.
  deps_.loop.post([this, alive = alive_, cid, ev] {
    if (!*alive) return;
    if (auto it = calls_.find(cid); it != calls_.end()) feed_attendant(*it->second, ev);
  });
}

void CallManager::adopt_remote_job(Call& call) {
  if (!call.remote_job) return;
  store::CallbackJob job = *call.remote_job;
  call.remote_job.reset();
  // Due a few seconds after the caller hung up (the stored due time may have passed during the goodbye).
  job.due_at = std::max(job.due_at, now_unix() + kRemoteDelayS);
  spdlog::info("job {}: callback asked for by phone, due in {} s", job.id, job.due_at - now_unix());
  jobs_.adopt(job, kRemoteLineWaitS);
}

}  // namespace callbackd::pbx

#pragma once
// Plain records of the Authorized Phones Database, extensions, callback jobs and call records.
#include <cstdint>
#include <optional>
#include <string>

namespace callbackd::store {

enum class CallerType { Pstn, Sip, Auto };
enum class CallbackType { Pbx, Pstn, Sip, Auto };
enum class JobState { Pending, Dialing, Answered, Failed, Cancelled };

struct AuthorizedPhone {
  std::int64_t id = 0;
  CallerType caller_type = CallerType::Pstn;
  std::string caller_address;                  // PSTN number or SIP address; '*' and '?' wildcards
  std::optional<std::string> login_extension;  // an existing extension number
  bool auto_call_relay = false;
  std::string description;
  bool callback_enabled = false;
  CallbackType callback_type = CallbackType::Auto;
  std::string callback_destination;     // empty: the caller's own address
  std::optional<int> callback_delay_s;  // empty: callback.default_delay_s
};

struct Extension {
  std::string number;
  std::string name;
  // PBKDF2-HMAC-SHA256 (password.hpp) of the keypad PIN the phone login checks (column password_hash); empty:
  // no PIN. A row from before schema 6 holds its one old password here, which was the keypad's.
  std::string pin_hash;
  bool allow_call_relay = false;
  // H(A1) = MD5(number:realm:password), lower-case hex (RFC 2617 3.2.2.2), what SIP digest needs; empty for
  // a row whose password predates schema 5: it cannot register until it gets a new password.
  std::string digest_ha1;
  // May configure call back by phone (*5, *6) for any trusted caller, not only the entries it logs in.
  bool remote_callback = false;
  // A row from schema 6 to 9, when one password was both the SIP and the keypad one: the phone login accepts
  // the SIP password (against digest_ha1) until the row gets a PIN or a new password. Never set on new rows.
  bool keypad_sip_password = false;
};

// Seconds since the Unix epoch: the store keeps wall-clock times, the scheduler converts.
using UnixTime = std::int64_t;
// Milliseconds since the Unix epoch, for the times that decide a call (the duplicate window).
using UnixTimeMs = std::int64_t;

struct CallbackJob {
  std::int64_t id = 0;
  std::optional<std::int64_t> authorized_phone_id;
  std::string caller;       // the caller address that triggered the job
  std::string destination;  // resolved target: "sip:..." URI or a PSTN number
  std::string line;         // line the trigger arrived on (preferred line for a PSTN callback)
  JobState state = JobState::Pending;
  int attempts = 0;
  UnixTime created_at = 0;
  // When the trigger arrived, to the millisecond. create_job fills it from created_at (x 1000) when 0, and
  // created_at from it when created_at is 0, so old and new callers both get consistent rows.
  UnixTimeMs created_at_ms = 0;
  UnixTime due_at = 0;
  std::string last_result;  // "answered", "busy", "no-answer", "failed: <reason>", "cancelled"
  // Asked for by phone with *5: a callback to a destination that is in no entry of the Authorized Phones
  // Database, so the job is the only record of it.
  bool one_time = false;
};

struct CallRecord {
  std::int64_t id = 0;
  std::optional<std::int64_t> job_id;  // links a trigger, its callback and the calls it relayed
  std::string direction;               // "inbound", "outbound", "relay" or "extension"
  std::string line;                    // empty for calls that do not use a line
  std::string caller;
  std::string callee;
  UnixTime started_at = 0;
  std::optional<UnixTime> answered_at;
  std::optional<UnixTime> ended_at;
  std::string result;     // "triggered", "answered", "rejected", "busy", "no-answer", "failed: ..."
  std::string call_ref;   // shared by the legs bridged into one call (a callback and what it relayed)
  std::string end_cause;  // the typed cause behind `result`: "busy", "caller-hung-up", ... (pbx::to_string)
};

const char* to_string(CallerType t);
const char* to_string(CallbackType t);
const char* to_string(JobState s);
std::optional<CallerType> caller_type_from(std::string_view s);
std::optional<CallbackType> callback_type_from(std::string_view s);
std::optional<JobState> job_state_from(std::string_view s);

}  // namespace callbackd::store

#pragma once
// Every SQL statement of the SQLite backend, named. Column order matters: the readers in sqlite_store.cpp
// read by position.
namespace callbackd::store::sqlite::sql {

// WAL lets HTTP readers run beside the control thread's writes; FULL syncs the WAL on every commit.
inline constexpr const char* kPragmas =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";

inline constexpr const char* kListPhones =
    "SELECT id, caller_type, caller_address, login_extension, auto_call_relay, description, "
    "callback_enabled, callback_type, callback_destination, callback_delay_s FROM authorized_phones ORDER BY "
    "id";
inline constexpr const char* kGetPhone =
    "SELECT id, caller_type, caller_address, login_extension, auto_call_relay, description, "
    "callback_enabled, callback_type, callback_destination, callback_delay_s FROM authorized_phones WHERE id "
    "= ?";
inline constexpr const char* kInsertPhone =
    "INSERT INTO authorized_phones (caller_type, caller_address, login_extension, auto_call_relay, "
    "description, "
    "callback_enabled, callback_type, callback_destination, callback_delay_s) VALUES (?, ?, ?, ?, ?, ?, ?, "
    "?, ?)";
inline constexpr const char* kUpdatePhone =
    "UPDATE authorized_phones SET caller_type = ?, caller_address = ?, login_extension = ?, auto_call_relay "
    "= ?, "
    "description = ?, callback_enabled = ?, callback_type = ?, callback_destination = ?, callback_delay_s = "
    "? "
    "WHERE id = ?";
inline constexpr const char* kDeletePhone = "DELETE FROM authorized_phones WHERE id = ?";

inline constexpr const char* kListExtensions =
    "SELECT number, name, password_hash, allow_call_relay FROM extensions ORDER BY number";
inline constexpr const char* kGetExtension =
    "SELECT number, name, password_hash, allow_call_relay FROM extensions WHERE number = ?";
inline constexpr const char* kInsertExtension =
    "INSERT INTO extensions (number, name, password_hash, allow_call_relay) VALUES (?, ?, ?, ?)";
inline constexpr const char* kUpdateExtension =
    "UPDATE extensions SET name = ?, password_hash = ?, allow_call_relay = ? WHERE number = ?";
inline constexpr const char* kDeleteExtension = "DELETE FROM extensions WHERE number = ?";

inline constexpr const char* kGetJob =
    "SELECT id, authorized_phone_id, caller, destination, line, state, attempts, created_at, due_at, "
    "last_result FROM callback_jobs WHERE id = ?";
inline constexpr const char* kListJobs =
    "SELECT id, authorized_phone_id, caller, destination, line, state, attempts, created_at, due_at, "
    "last_result FROM callback_jobs ORDER BY created_at DESC, id DESC LIMIT ?";
inline constexpr const char* kJobsInState =
    "SELECT id, authorized_phone_id, caller, destination, line, state, attempts, created_at, due_at, "
    "last_result FROM callback_jobs WHERE state = ? ORDER BY due_at, id";
inline constexpr const char* kLatestJobForCaller =
    "SELECT id, authorized_phone_id, caller, destination, line, state, attempts, created_at, due_at, "
    "last_result FROM callback_jobs WHERE caller = ? AND created_at >= ? ORDER BY created_at DESC, id DESC "
    "LIMIT 1";
inline constexpr const char* kInsertJob =
    "INSERT INTO callback_jobs (authorized_phone_id, caller, destination, line, state, attempts, created_at, "
    "due_at, last_result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
// The state check in WHERE makes the move atomic: of two racing transitions only one changes a row.
inline constexpr const char* kTransitionJob =
    "UPDATE callback_jobs SET state = ?, last_result = ?, attempts = attempts + ? WHERE id = ? AND state = ?";
inline constexpr const char* kRescheduleJob =
    "UPDATE callback_jobs SET state = 'pending', due_at = ?, last_result = ? WHERE id = ? AND state = "
    "'dialing'";

inline constexpr const char* kListRecords =
    "SELECT id, job_id, direction, line, caller, callee, started_at, answered_at, ended_at, result FROM "
    "call_records ORDER BY started_at DESC, id DESC LIMIT ?";
inline constexpr const char* kInsertRecord =
    "INSERT INTO call_records (job_id, direction, line, caller, callee, started_at, answered_at, ended_at, "
    "result) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

}  // namespace callbackd::store::sqlite::sql

#pragma once
// The SQL of the web-management connection (admin_sqlite.cpp). Phone columns in the order of
// sqlite_sql.hpp's kListPhones, which read_phone() relies on.
namespace callbackd::store::sqlite::admin_sql {

inline constexpr const char* kInsertAdmin =
    "INSERT INTO admins (name, password_hash, created_at) VALUES (?, ?, ?)";
inline constexpr const char* kGetAdmin = "SELECT name, password_hash, created_at FROM admins WHERE name = ?";

inline constexpr const char* kPhoneColumns =
    "SELECT id, caller_type, caller_address, login_extension, auto_call_relay, description, "
    "callback_enabled, callback_type, callback_destination, callback_delay_s FROM authorized_phones ";
// ?1 is the search text; instr() rather than LIKE so that '%', '_' and the entries' own '*' match literally.
inline constexpr const char* kPhoneFilter =
    "WHERE ?1 = '' OR instr(lower(caller_address), lower(?1)) > 0 OR instr(lower(description), lower(?1)) > "
    "0 "
    "OR instr(lower(callback_destination), lower(?1)) > 0 "
    "OR instr(lower(COALESCE(login_extension, '')), lower(?1)) > 0 ";
inline constexpr const char* kCountPhones = "SELECT COUNT(*) FROM authorized_phones ";
inline constexpr const char* kPhoneExists = "SELECT 1 FROM authorized_phones WHERE caller_address = ?";

inline constexpr const char* kSearchRecords =
    "SELECT id, job_id, direction, line, caller, callee, started_at, answered_at, ended_at, result, "
    "call_ref, end_cause FROM call_records WHERE (?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR "
    "started_at < ?2) "
    "AND (?3 = '' OR instr(caller, ?3) > 0 OR instr(callee, ?3) > 0) AND (?4 = '' OR instr(result, ?4) = 1) "
    "AND (?7 = '' OR call_ref = ?7) AND (?8 = '' OR end_cause = ?8) "
    "ORDER BY started_at DESC, id DESC LIMIT ?5 OFFSET ?6";

inline constexpr const char* kJobsByState =
    "SELECT state, COUNT(*) FROM callback_jobs GROUP BY state ORDER BY state";
inline constexpr const char* kJobsPerHour =
    "SELECT (created_at / 3600) * 3600 AS hour, COUNT(*), SUM(state = 'answered'), SUM(state = 'failed') "
    "FROM callback_jobs WHERE created_at >= ? GROUP BY hour ORDER BY hour";
inline constexpr const char* kRecentFailures =
    "SELECT id, caller, destination, line, attempts, created_at, last_result FROM callback_jobs "
    "WHERE state = 'failed' ORDER BY created_at DESC, id DESC LIMIT ?";

}  // namespace callbackd::store::sqlite::admin_sql

#pragma once
// Rows <-> records for every statement that reads or writes them (the store, the admin store's search,
// filters and CSV import), so each column order and the entries' index keys are written down once.
#include "store/audit.hpp"
#include "store/sqlite_db.hpp"
#include "store/types.hpp"

namespace callbackd::store::sqlite {

// Columns: id, caller_type, caller_address, login_extension, auto_call_relay, description, callback_enabled,
// callback_type, callback_destination, callback_delay_s (the order of sql::kListPhones).
AuthorizedPhone read_phone(const Statement& st);
// Binds every column but id from parameter 1 on, then exact_key and pattern_prefix (parameters 10 and 11), as
// sql::kInsertPhone and sql::kUpdatePhone expect.
void bind_phone(Statement& st, const AuthorizedPhone& p);
// Columns: id, job_id, direction, line, caller, callee, started_at, answered_at, ended_at, result.
CallRecord read_record(const Statement& st);
// Binds every column of sql::kInsertAudit (all but id), for the audit log and the store alike.
void bind_audit(Statement& st, const AuditEntry& e);

}  // namespace callbackd::store::sqlite

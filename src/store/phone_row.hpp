#pragma once
// One authorized_phones row <-> AuthorizedPhone, for every statement that reads or writes entries (the store,
// the admin store's search and CSV import): the index keys are computed in exactly one place.
#include "store/sqlite_db.hpp"
#include "store/types.hpp"

namespace callbackd::store::sqlite {

// Columns: id, caller_type, caller_address, login_extension, auto_call_relay, description, callback_enabled,
// callback_type, callback_destination, callback_delay_s (the order of sql::kListPhones).
AuthorizedPhone read_phone(const Statement& st);
// Binds every column but id from parameter 1 on, then exact_key and pattern_prefix (parameters 10 and 11), as
// sql::kInsertPhone and sql::kUpdatePhone expect.
void bind_phone(Statement& st, const AuthorizedPhone& p);

}  // namespace callbackd::store::sqlite

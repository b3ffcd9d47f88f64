#pragma once
// Versioned schema migrations for the SQLite backend.
#include "store/sqlite_db.hpp"

namespace callbackd::store::sqlite {

// Applies every migration newer than the recorded schema_version, each in its own transaction, and returns
// the resulting version. Safe to call on every start.
int apply_migrations(Db& db);

// The newest schema version this build knows.
int latest_schema_version();

}  // namespace callbackd::store::sqlite

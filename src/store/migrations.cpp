#include "store/migrations.hpp"

#include <spdlog/spdlog.h>

#include <array>

#include "store/caller_key.hpp"

namespace callbackd::store::sqlite {
namespace {

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";
constexpr const char* kSelectVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
constexpr const char* kInsertVersion = "INSERT INTO schema_version (version) VALUES (?)";

// Version 1: the foundation. login_extension has no foreign key on purpose: the REST layer refuses to delete
// an extension still in use (409), and a phone entry must survive a hand-edited extensions table.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE extensions (
  number           TEXT PRIMARY KEY NOT NULL,
  name             TEXT NOT NULL DEFAULT '',
  password_hash    TEXT NOT NULL,
  allow_call_relay INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE authorized_phones (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  caller_type          TEXT NOT NULL CHECK (caller_type IN ('pstn', 'sip', 'auto')),
  caller_address       TEXT NOT NULL UNIQUE,
  login_extension      TEXT,
  auto_call_relay      INTEGER NOT NULL DEFAULT 0,
  description          TEXT NOT NULL DEFAULT '',
  callback_enabled     INTEGER NOT NULL DEFAULT 0,
  callback_type        TEXT NOT NULL CHECK (callback_type IN ('pbx', 'pstn', 'sip', 'auto')),
  callback_destination TEXT NOT NULL DEFAULT '',
  callback_delay_s     INTEGER
);
CREATE TABLE callback_jobs (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  authorized_phone_id INTEGER REFERENCES authorized_phones (id) ON DELETE SET NULL,
  caller              TEXT NOT NULL,
  destination         TEXT NOT NULL,
  line                TEXT NOT NULL DEFAULT '',
  state               TEXT NOT NULL
                      CHECK (state IN ('pending', 'dialing', 'answered', 'failed', 'cancelled')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL,
  due_at              INTEGER NOT NULL,
  last_result         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX callback_jobs_state_due ON callback_jobs (state, due_at);
CREATE INDEX callback_jobs_caller_created ON callback_jobs (caller, created_at);
CREATE TABLE call_records (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id      INTEGER REFERENCES callback_jobs (id) ON DELETE SET NULL,
  direction   TEXT NOT NULL,
  line        TEXT NOT NULL DEFAULT '',
  caller      TEXT NOT NULL DEFAULT '',
  callee      TEXT NOT NULL DEFAULT '',
  started_at  INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at    INTEGER,
  result      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX call_records_job ON call_records (job_id);
)sql";

// Version 2: indexed trusted-caller lookup and millisecond trigger times. exact_key / pattern_prefix come
// from caller_keys() (C++, not SQL, so the rule exists once); backfill_keys fills them for existing rows.
// created_at_ms keeps the old rows' second resolution (x 1000).
constexpr const char* kMigration2 = R"sql(
ALTER TABLE authorized_phones ADD COLUMN exact_key TEXT;
ALTER TABLE authorized_phones ADD COLUMN pattern_prefix TEXT;
CREATE INDEX authorized_phones_exact_key ON authorized_phones (exact_key) WHERE exact_key IS NOT NULL;
CREATE INDEX authorized_phones_pattern_prefix ON authorized_phones (pattern_prefix)
  WHERE pattern_prefix IS NOT NULL;
ALTER TABLE callback_jobs ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE callback_jobs SET created_at_ms = created_at * 1000;
CREATE INDEX callback_jobs_caller_created_ms ON callback_jobs (caller, created_at_ms);
)sql";

void backfill_keys(Db& db) {
  Statement select(db, "SELECT id, caller_address FROM authorized_phones");
  while (select.step()) {
    const auto keys = caller_keys(select.text(1));
    Statement(db, "UPDATE authorized_phones SET exact_key = ?, pattern_prefix = ? WHERE id = ?")
        .bind(1, keys.exact_key)
        .bind(2, keys.pattern_prefix)
        .bind(3, select.int64(0))
        .run();
  }
}

// Version 3: web management's admin accounts. Only an Argon2id hash is kept; there is no default admin.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE admins (
  name          TEXT PRIMARY KEY NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);
)sql";

// Version 4: the audit log of admins' changes (store/audit.hpp), and an index for the dashboard's callbacks
// per hour (store/admin_sqlite.cpp). Values are JSON text; NULL means "did not
// exist" (before a create, after a delete). Ids are text so that extensions (numbers as strings) and prompts
// ("en/welcome") fit beside integer ids.
constexpr const char* kMigration4 = R"sql(
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms     INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  source    TEXT NOT NULL DEFAULT '',
  action    TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id TEXT NOT NULL DEFAULT '',
  old_value TEXT,
  new_value TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX callback_jobs_created ON callback_jobs (created_at);
)sql";

// Version 5: the admin's call settings from web management (store/settings_store.hpp): the [[line]] list and
// the [callback] table, each one JSON document under its key, so a change replaces it whole in one statement.
// A key is absent until an admin changes that part; until then the configuration file is the truth.
constexpr const char* kMigration5 = R"sql(
CREATE TABLE admin_settings (
  key           TEXT PRIMARY KEY NOT NULL,
  value         TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
)sql";

// Version 6: SIP digest. Phones authenticate with H(A1) = MD5(number:realm:password) (RFC 2617), which a
// PBKDF2 hash cannot produce, so a row keeps its old hash (for the phone login) and cannot register until
// its password is set again; '' means "no H(A1) yet" (the API says needs_new_password).
constexpr const char* kMigration6 = R"sql(
ALTER TABLE extensions ADD COLUMN digest_ha1 TEXT NOT NULL DEFAULT '';
)sql";

// Legs bridged into one call share call_ref (a callback and the calls it relayed); end_cause is the typed
// cause behind the free-text result, so records can be counted by it.
constexpr const char* kMigration7 = R"sql(
ALTER TABLE call_records ADD COLUMN call_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE call_records ADD COLUMN end_cause TEXT NOT NULL DEFAULT '';
CREATE INDEX call_records_call ON call_records (call_ref);
)sql";

// Version 8: Remote Call Back Configuration by phone (issue 8). remote_callback lets an extension configure
// any entry, not only those that log in as it; one_time marks a *5 job, whose destination no entry holds.
constexpr const char* kMigration8 = R"sql(
ALTER TABLE extensions ADD COLUMN remote_callback INTEGER NOT NULL DEFAULT 0;
ALTER TABLE callback_jobs ADD COLUMN one_time INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 9: SIP-type trusted callers are looked up by the caller's SIP address, so the index keys drop a
// "sip:" scheme and fold case (caller_keys); the keys of existing rows are computed again.
constexpr const char* kMigration9 = "UPDATE authorized_phones SET exact_key = NULL, pattern_prefix = NULL;";

// Version 10: the keypad PIN apart from the SIP password (issue 24). password_hash now holds the PIN's PBKDF2
// hash (a pre-6 row's one old password was the keypad's, so it stays). A row whose one password lives only
// as H(A1) keeps logging in by keypad with it until it gets a PIN or a new password.
constexpr const char* kMigration10 = R"sql(
ALTER TABLE extensions ADD COLUMN keypad_sip_password INTEGER NOT NULL DEFAULT 0;
UPDATE extensions SET keypad_sip_password = 1 WHERE password_hash = '' AND digest_ha1 != '';
)sql";

struct Migration {
  const char* sql;
  void (*after)(Db&);  // C++ part run in the same transaction, or nullptr
};

// Append new migrations here; never edit a released one.
constexpr std::array<Migration, 10> kMigrations{{{kMigration1, nullptr},
                                                 {kMigration2, backfill_keys},
                                                 {kMigration3, nullptr},
                                                 {kMigration4, nullptr},
                                                 {kMigration5, nullptr},
                                                 {kMigration6, nullptr},
                                                 {kMigration7, nullptr},
                                                 {kMigration8, nullptr},
                                                 {kMigration9, backfill_keys},
                                                 {kMigration10, nullptr}}};

int current_version(Db& db) {
  Statement st(db, kSelectVersion);
  return st.step() ? st.integer(0) : 0;
}

}  // namespace

int latest_schema_version() {
  return static_cast<int>(kMigrations.size());
}

int apply_migrations(Db& db) {
  db.exec(kCreateVersionTable);
  const int start = current_version(db);
  for (int next = start + 1; next <= latest_schema_version(); ++next) {
    Transaction tx(db);
    // Re-read inside the write lock: another process may have migrated meanwhile.
    if (current_version(db) >= next) continue;
    const Migration& m = kMigrations[static_cast<std::size_t>(next - 1)];
    db.exec(m.sql);
    if (m.after != nullptr) m.after(db);
    Statement(db, kInsertVersion).bind(1, next).run();
    tx.commit();
    spdlog::info("store: applied schema migration {}", next);
  }
  return current_version(db);
}

}  // namespace callbackd::store::sqlite

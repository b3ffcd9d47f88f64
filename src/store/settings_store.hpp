#pragma once
// The admin's call settings (web management): the lines and the callback settings, each one JSON document
// under a key ("lines", "callback"). A key exists only once an admin changed that part; app/call_settings.cpp
// decides what a document means and checks it before it is put here.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace callbackd::store {

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;  // nullopt: never set
  // Replaces the key's value in one statement; StoreError when it fails.
  virtual void put(const std::string& key, const std::string& value, std::int64_t at_ms) = 0;
  virtual void remove(const std::string& key) = 0;
};

// Its own connection to the database file (schema migration 5 creates the table).
std::unique_ptr<SettingsStore> open_sqlite_settings_store(const std::string& path);

}  // namespace callbackd::store

#pragma once
// `callbackd --config FILE --create-admin NAME`: the only way an admin account comes to exist.
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "app/config.hpp"

namespace callbackd::app {

// Reads the password (one line) from `in`, refuses one shorter than 12 characters, stores its Argon2id hash.
// Returns the process exit code; explains any refusal on `err`.
int create_admin(const Config& config, const std::string& name, std::istream& in, std::ostream& err);

// What only the TOML file sets, for the web UI's read-only Call Back and Lines pages.
nlohmann::json settings_view(const Config& config);

}  // namespace callbackd::app

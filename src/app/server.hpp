#pragma once
#include "app/config.hpp"

namespace callbackd::app {

// Wires the layers together and runs until SIGTERM or SIGINT; SIGHUP re-reads config_path (app/reload.hpp).
// Returns the process exit code.
int run_server(const Config& config, const std::string& config_path);

// The admin token from the configuration or, when the configuration has none, the one kept beside the
// database (generated, stored 0600 and printed once on first start).
std::string resolve_admin_token(const Config& config);

}  // namespace callbackd::app

#pragma once
#include "app/config.hpp"

namespace callbackd::app {

// Wires the layers together and runs until SIGTERM or SIGINT. Returns the process exit code.
int run_server(const Config& config);

// The admin token from the configuration or, when the configuration has none, the one kept beside the
// database (generated, stored 0600 and printed once on first start).
std::string resolve_admin_token(const Config& config);

}  // namespace callbackd::app

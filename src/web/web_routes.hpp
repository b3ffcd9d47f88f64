#pragma once
// Paths and routes of web management that api_server.cpp mounts beside the REST API.
#include "web/http.hpp"

namespace callbackd::web {

inline constexpr const char* kSessionPath = "/api/v1/session";
inline constexpr const char* kImportPath = "/api/v1/authorized-phones/import";

// The UI's static files (embedded in the binary at build time from src/web/ui/) at "/" and below.
void add_ui_routes(httplib::Server& server);

}  // namespace callbackd::web

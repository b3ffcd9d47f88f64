#pragma once
// Web management of the lines and the callback settings (docs/rest-api.md, "Lines and Call Back settings"):
// /api/v1/lines, /api/v1/lines/{name} and /api/v1/settings/callback. A change of one line is a change of the
// whole list, checked and applied at once through CallSettingsPort; free of HTTP plumbing, like ApiHandlers.
#include <mutex>
#include <string>

#include "web/api_handlers.hpp"
#include "web/call_settings_port.hpp"

namespace callbackd::web {

class CallSettingsApi {
 public:
  explicit CallSettingsApi(CallSettingsPort& port) : port_(port) {}

  Reply list_lines();
  Reply get_line(const std::string& name);
  Reply create_line(const std::string& body);
  Reply replace_line(const std::string& name, const std::string& body);
  Reply delete_line(const std::string& name);

  Reply get_callback();
  Reply replace_callback(const std::string& body);  // keys left out keep their value

  nlohmann::json live() { return port_.live(); }

 private:
  Reply save_lines(const nlohmann::json& lines, const std::string& name, int status);

  CallSettingsPort& port_;
  std::mutex mu_;  // a change reads the list, edits it and writes it back: one at a time
};

}  // namespace callbackd::web

#pragma once
// What web management needs from the application to show and change the lines and the callback settings
// while the server runs. The web layer knows their JSON shape (docs/rest-api.md, "Lines and Call Back
// settings"); app/call_settings.cpp checks a change with the configuration file's rules, stores it and hands
// it to the call core. Called on HTTP threads.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace callbackd::web {

struct SettingsProblem {
  std::string field;    // the JSON key at fault, e.g. "channels"; "" when it is the whole document
  std::string message;  // the configuration file's message for the same mistake
};

class CallSettingsPort {
 public:
  virtual ~CallSettingsPort() = default;
  // The lines in effect, in order, each with "channels_busy" from the call core (null when it did not
  // answer).
  virtual nlohmann::json lines() = 0;
  virtual nlohmann::json callback() = 0;    // the callback settings in effect
  virtual int default_delay_s() const = 0;  // one of them, cheap: asked for every authorized phone listed
  // Checks the whole new list (or settings), stores it and applies it; on a problem nothing changes.
  virtual std::optional<SettingsProblem> set_lines(const nlohmann::json& lines) = 0;
  virtual std::optional<SettingsProblem> set_callback(const nlohmann::json& callback) = 0;
  // {"active_legs": n, "lines": [{"name", "channels", "busy"}]}, or null when the call core did not answer.
  virtual nlohmann::json live() = 0;
};

}  // namespace callbackd::web

#pragma once
// The lines and callback settings in effect, and where they come from. The configuration file's [[line]]
// tables and [callback] table (with [policy] deny_prefixes, which the Call Back settings page edits too) are
// the truth until an admin changes that part in web management; from then on the admin's version, kept in the
// store (store/settings_store.hpp), is the truth, across restarts and SIGHUP reloads (docs/configuration.md,
// "Lines and Call Back settings from web management").
#include <functional>
#include <mutex>
#include <optional>

#include "app/config.hpp"
#include "app/ops_metrics.hpp"
#include "store/settings_store.hpp"
#include "web/call_settings_port.hpp"

namespace callbackd::app {

class CallSettingsService final : public web::CallSettingsPort {
 public:
  // Hands settings to the call core; must not block (posts to the call-control loop).
  using Apply = std::function<void(const CallSettings&)>;
  using Live = std::function<std::optional<OpsMetrics::Live>()>;

  // Reads the admin's versions from the store; a stored part that no longer passes the checks is logged and
  // the file's is used instead.
  CallSettingsService(store::SettingsStore& store, const Config& file);
  // Set before the HTTP server starts: the call core and its live figures.
  void attach(Apply apply, Live live);

  CallSettings effective() const;
  // SIGHUP read `file`: a part the admin has not changed follows it; a part the admin changed stays, with a
  // warning naming what differs. Applies the result.
  void file_reloaded(const CallSettings& file);

  nlohmann::json lines() override;
  nlohmann::json callback() override;
  int default_delay_s() const override;
  std::optional<web::SettingsProblem> set_lines(const nlohmann::json& lines) override;
  std::optional<web::SettingsProblem> set_callback(const nlohmann::json& callback) override;
  nlohmann::json live() override;

 private:
  std::optional<web::SettingsProblem> change(const char* key, const nlohmann::json& lines,
                                             const nlohmann::json& callback);

  store::SettingsStore& store_;
  mutable std::mutex mu_;  // current_ and the admin flags; held while a change is checked, stored, posted
  CallSettings current_;
  bool admin_lines_ = false;
  bool admin_callback_ = false;
  bool admin_deny_prefixes_ = false;  // false for callback settings stored before deny_prefixes joined them
  Apply apply_;
  Live live_;
};

// The JSON of web management for a line and the callback settings (the TOML keys, "inbound" as in the file).
// callback() answers callback_json with "deny_prefixes" ([policy] deny_prefixes) added.
nlohmann::json line_json(const LineConfig& line);
nlohmann::json callback_json(const CallbackConfig& callback);

}  // namespace callbackd::app

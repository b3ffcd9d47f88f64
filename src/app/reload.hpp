#pragma once
// SIGHUP: re-reads the configuration file and applies what can change without dropping a call: log_level,
// [[line]], [callback] and [policy]. The rest ([sip], [media], [store], [web]) is bound at start and needs a
// restart.
#include <functional>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace callbackd::app {

struct ReloadResult {
  bool ok = false;      // false: the file has errors; nothing was applied, the running configuration stays
  std::string applied;  // e.g. "log_level debug (was info)", or "nothing changed"
  std::string ignored;  // sections that changed but need a restart, e.g. "[[line]], [callback]"
};

// Hands the new lines, callback settings and policy to the call core (on the loop, between two events).
using ApplyCallSettings =
    std::function<void(const std::vector<LineConfig>&, const CallbackConfig&, const PolicyConfig&)>;

// Applies the new log level, and [[line]], [callback] and [policy] through `apply`; reports (does not apply)
// changes that need a restart. Logs one line for the outcome (and one per error). `running` is updated to
// what is now in effect.
ReloadResult reload_config(const std::string& path, Config& running, const ApplyCallSettings& apply);

}  // namespace callbackd::app

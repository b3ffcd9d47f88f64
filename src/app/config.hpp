#pragma once
// The whole configuration as one typed struct, read from TOML and validated at start-up.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "pbx/settings.hpp"

namespace callbackd::app {

using HostPort = pbx::HostPort;

struct SipConfig {
  HostPort listen{"127.0.0.1", 5060};
  std::string user_agent = "callbackd";
  int max_calls = 1000;
  int line_reserve = 2;  // channels per line open past the overload guard (pbx/overload.hpp)
  std::string realm;     // SIP digest realm; empty in the file: the listen host (read_sip fills it in)
  int nonce_ttl_s = 300;
  int min_expires_s = 60;
  int max_expires_s = 3600;
  int shutdown_grace_s = 30;   // after SIGTERM, calls in progress may go on this long before they get BYE
  int keepalive_s = 30;        // an OPTIONS to each line's gateway this often; 0: off
  int keepalive_failures = 3;  // failed OPTIONS in a row that mark a line down
  // Requests from hosts that are neither a line's gateway nor a registered extension, per source IP
  // (sip/source_throttle.hpp): a token bucket of stranger_burst refilled at stranger_rate per second; 0: off.
  int stranger_rate = 20;
  int stranger_burst = 100;
  // Digest password guessing (registrar/digest_guard.hpp): wrong passwords per source within a window
  // before its credentials go unchecked, and per extension before its digest is locked; 0: off.
  int auth_source_failures = 5;
  int auth_source_window_s = 60;
  int auth_lockout_failures = 10;
  int auth_lockout_window_s = 600;
  int auth_lockout_s = 900;
};

struct MediaConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port_min = 20000;
  std::uint16_t port_max = 29999;
  std::string prompts_dir;  // default: the build's prompts directory
  std::string language = "en";
};

struct StoreConfig {
  std::string sqlite = "/var/lib/callbackd/callbackd.db";
};

struct WebConfig {
  HostPort listen{"127.0.0.1", 8080};
  std::string admin_token;     // empty: generated at first start and kept beside the database
  bool secure_cookie = false;  // the session cookie gets Secure (a TLS proxy is in front)
  int request_timeout_s = 10;  // a request's headers and body must arrive within this
  int max_connections = 64;    // HTTP connections served at once; more are answered 503 and closed
};

// [attendant]: the Auto Attendant's timing, the phone login's lockout, the operator and the menu file.
struct AttendantConfig {
  int digit_timeout_s = 5;
  int response_timeout_s = 10;
  int greeting_repeats = 3;
  int lockout_failures = 5;
  int lockout_s = 300;
  std::string operator_extension;
  std::string number = "0";  // a registered phone dials it for the Auto Attendant
  std::string menu_file;     // empty: the built-in menu (ivr::default_menu())
};

using CallbackConfig = pbx::CallbackSettings;
using InboundRoute = pbx::InboundRoute;
using LineConfig = pbx::Line;
using LineTransport = pbx::LineTransport;
using PolicyConfig = callback::PolicySettings;

struct Config {
  SipConfig sip;
  MediaConfig media;
  StoreConfig store;
  WebConfig web;
  CallbackConfig callback;
  AttendantConfig attendant;
  std::vector<LineConfig> lines;
  PolicyConfig policy;
  std::string log_level = "info";
};

struct ConfigError {
  std::string key;  // e.g. "line[1].gateway"
  std::string message;
};

enum class ConfigChecks {
  All,       // keys, then check_config(): what a server needs to start and to make callbacks
  KeysOnly,  // each key on its own (--create-admin needs no lines or prompts)
};

// Parses and validates; every problem is reported, not just the first.
std::variant<Config, std::vector<ConfigError>> load_config(const std::string& path,
                                                           ConfigChecks checks = ConfigChecks::All);
// Each key on its own: types, ranges, unknown keys.
std::variant<Config, std::vector<ConfigError>> parse_config(const std::string& toml_text);
// Across keys and against the files named (config_checks.cpp): ports that collide, an RTP range over the SIP
// port, no lines, an Auto Attendant line that answers at once, missing prompts, unknown countries. Each error
// names its keys.
std::vector<ConfigError> check_config(const Config& config);

// The part of the configuration web management edits: the [[line]] tables, the [callback] table and
// [policy] deny_prefixes (shown and saved with the callback settings).
struct CallSettings {
  std::vector<LineConfig> lines;
  CallbackConfig callback;
  std::vector<std::string> deny_prefixes = callback::default_deny_prefixes();
};

// A document holding only [[line]] tables, a [callback] table and a [policy] table with deny_prefixes alone,
// read with the file's rules (types, ranges, unknown keys, duplicate names and gateways, valid prefixes and
// countries) and check_lines(): web management checks an admin's change with it, so the UI and the file
// cannot disagree on what is valid. Without [policy] deny_prefixes, the result has the default list.
std::variant<CallSettings, std::vector<ConfigError>> parse_call_settings(const std::string& toml_text);
// The cross-key checks of the lines alone (part of check_config): none at all, an Auto Attendant line that
// answers at once, a country libphonenumber does not know.
std::vector<ConfigError> check_lines(const std::vector<LineConfig>& lines);

// media.prompts_dir, or the installed default when it is empty.
std::string effective_prompts_dir(const MediaConfig& media);
// The prompts a server cannot run without, "<dir>/<language>/<name>.wav".

}  // namespace callbackd::app

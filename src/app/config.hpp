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
  int shutdown_grace_s = 30;  // after SIGTERM, calls in progress may go on this long before they get BYE
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

using CallbackConfig = pbx::CallbackSettings;
using InboundRoute = pbx::InboundRoute;
using LineConfig = pbx::Line;
using LineTransport = pbx::LineTransport;

struct Config {
  SipConfig sip;
  MediaConfig media;
  StoreConfig store;
  WebConfig web;
  CallbackConfig callback;
  std::vector<LineConfig> lines;
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
// port, no lines, an Auto Attendant line that answers at once, missing prompts. Each error names its keys.
std::vector<ConfigError> check_config(const Config& config);

// media.prompts_dir, or the installed default when it is empty.
std::string effective_prompts_dir(const MediaConfig& media);
// The prompts a server cannot run without, "<dir>/<language>/<name>.wav".
const std::vector<const char*>& required_prompts();

}  // namespace callbackd::app

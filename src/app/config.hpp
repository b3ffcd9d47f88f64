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

// Parses and validates; every problem is reported, not just the first.
std::variant<Config, std::vector<ConfigError>> load_config(const std::string& path);
std::variant<Config, std::vector<ConfigError>> parse_config(const std::string& toml_text);

}  // namespace callbackd::app

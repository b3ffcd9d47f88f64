#include "app/config.hpp"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace callbackd::app {
namespace {

// Collects problems with their keys so that one run of --check-config reports all of them.
class Reader {
 public:
  explicit Reader(std::vector<ConfigError>& errors) : errors_(errors) {}

  void error(std::string key, std::string message) {
    errors_.push_back({std::move(key), std::move(message)});
  }

  // Reports keys that no part of callbackd reads: a typo must not silently fall back to a default.
  void only_keys(const toml::table& t, const std::string& prefix,
                 std::initializer_list<std::string_view> known) {
    std::set<std::string_view> allowed(known);
    for (const auto& [k, v] : t) {
      if (!allowed.contains(k.str())) error(prefix + std::string(k.str()), "unknown key");
    }
  }

  void str(const toml::table& t, const std::string& prefix, std::string_view key, std::string& out) {
    const auto* node = t.get(key);
    if (node == nullptr) return;
    if (auto v = node->value<std::string>()) {
      out = *v;
    } else {
      error(prefix + std::string(key), "must be a string");
    }
  }

  void integer(const toml::table& t, const std::string& prefix, std::string_view key, int& out, int lo,
               int hi) {
    const auto* node = t.get(key);
    if (node == nullptr) return;
    auto v = node->value<std::int64_t>();
    if (!v || !node->is_integer()) {
      error(prefix + std::string(key), "must be an integer");
    } else if (*v < lo || *v > hi) {
      error(prefix + std::string(key),
            "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    } else {
      out = static_cast<int>(*v);
    }
  }

  void boolean(const toml::table& t, const std::string& prefix, std::string_view key, bool& out) {
    const auto* node = t.get(key);
    if (node == nullptr) return;
    if (auto v = node->value<bool>(); v && node->is_boolean()) {
      out = *v;
    } else {
      error(prefix + std::string(key), "must be true or false");
    }
  }

  void host_port(const toml::table& t, const std::string& prefix, std::string_view key, HostPort& out) {
    std::string text;
    if (t.get(key) == nullptr) return;
    str(t, prefix, key, text);
    if (auto hp = parse_host_port(text)) {
      out = *hp;
    } else {
      error(prefix + std::string(key), "must be IP:PORT (IPv6 as [addr]:port), got \"" + text + "\"");
    }
  }

  // An array of strings, each of which `valid` accepts.
  void strings(const toml::table& t, const std::string& prefix, std::string_view key,
               std::vector<std::string>& out, bool (*valid)(std::string_view), const std::string& what) {
    const auto* node = t.get(key);
    if (node == nullptr) return;
    const auto* arr = node->as_array();
    if (arr == nullptr) {
      error(prefix + std::string(key), "must be an array of strings");
      return;
    }
    out.clear();
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string item_key = prefix + std::string(key) + "[" + std::to_string(i) + "]";
      const auto v = (*arr)[i].value<std::string>();
      if (!v || !(*arr)[i].is_string()) {
        error(item_key, "must be a string");
      } else if (!valid(*v)) {
        error(item_key, what + ", got \"" + *v + "\"");
      } else {
        out.push_back(*v);
      }
    }
  }

  static std::optional<HostPort> parse_host_port(std::string_view text) {
    std::string host;
    std::string_view port_text;
    if (text.starts_with('[')) {
      auto close = text.find("]:");
      if (close == std::string_view::npos) return std::nullopt;
      host = std::string(text.substr(1, close - 1));
      port_text = text.substr(close + 2);
    } else {
      auto colon = text.rfind(':');
      if (colon == std::string_view::npos) return std::nullopt;
      host = std::string(text.substr(0, colon));
      port_text = text.substr(colon + 1);
    }
    if (!is_ip(host)) return std::nullopt;
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return std::nullopt;
    }
    return HostPort{host, static_cast<std::uint16_t>(port)};
  }

  static bool is_ip(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
  }

 private:
  std::vector<ConfigError>& errors_;
};

void read_sip(Reader& r, const toml::table& t, SipConfig& c) {
  r.only_keys(t, "sip.",
              {"listen", "user_agent", "max_calls", "line_reserve", "realm", "nonce_ttl_s", "min_expires_s",
               "max_expires_s", "shutdown_grace_s", "keepalive_s", "keepalive_failures", "stranger_rate",
               "stranger_burst", "auth_source_failures", "auth_source_window_s", "auth_lockout_failures",
               "auth_lockout_window_s", "auth_lockout_s"});
  r.host_port(t, "sip.", "listen", c.listen);
  r.str(t, "sip.", "user_agent", c.user_agent);
  r.integer(t, "sip.", "max_calls", c.max_calls, 1, 100000);
  r.integer(t, "sip.", "line_reserve", c.line_reserve, 0, 1000);
  r.str(t, "sip.", "realm", c.realm);
  // The realm is written into a quoted WWW-Authenticate parameter and into every stored H(A1).
  if (std::any_of(c.realm.begin(), c.realm.end(),
                  [](char ch) { return ch <= ' ' || ch >= 127 || ch == '"' || ch == '\\'; })) {
    r.error("sip.realm", "must be printable ASCII without spaces, quotes or backslashes");
  }
  r.integer(t, "sip.", "nonce_ttl_s", c.nonce_ttl_s, 10, 86400);
  r.integer(t, "sip.", "min_expires_s", c.min_expires_s, 1, 86400);
  r.integer(t, "sip.", "max_expires_s", c.max_expires_s, 1, 86400);
  r.integer(t, "sip.", "shutdown_grace_s", c.shutdown_grace_s, 0, 3600);
  r.integer(t, "sip.", "keepalive_s", c.keepalive_s, 0, 3600);
  r.integer(t, "sip.", "keepalive_failures", c.keepalive_failures, 1, 100);
  r.integer(t, "sip.", "stranger_rate", c.stranger_rate, 0, 100000);
  r.integer(t, "sip.", "stranger_burst", c.stranger_burst, 1, 1000000);
  r.integer(t, "sip.", "auth_source_failures", c.auth_source_failures, 0, 1000);
  r.integer(t, "sip.", "auth_source_window_s", c.auth_source_window_s, 1, 86400);
  r.integer(t, "sip.", "auth_lockout_failures", c.auth_lockout_failures, 0, 1000);
  r.integer(t, "sip.", "auth_lockout_window_s", c.auth_lockout_window_s, 1, 86400);
  r.integer(t, "sip.", "auth_lockout_s", c.auth_lockout_s, 1, 86400);
}

void read_media(Reader& r, const toml::table& t, MediaConfig& c) {
  r.only_keys(t, "media.", {"address", "rtp_ports", "prompts_dir", "language"});
  r.str(t, "media.", "address", c.address);
  if (!Reader::is_ip(c.address)) r.error("media.address", "must be an IP address, got \"" + c.address + "\"");
  std::string range;
  r.str(t, "media.", "rtp_ports", range);
  if (!range.empty()) {
    unsigned lo = 0;
    unsigned hi = 0;
    char dash = 0;
    std::istringstream in(range);
    // hi - lo, not lo + 2: >> into unsigned reads "-1" as 4294967295, and lo + 2 would wrap round.
    if (!(in >> lo >> dash >> hi) || dash != '-' || lo < 1024 || hi > 65535 || lo > hi || hi - lo < 2) {
      r.error("media.rtp_ports", "must be \"LOW-HIGH\" with 1024 <= LOW, LOW + 2 <= HIGH <= 65535");
    } else {
      c.port_min = static_cast<std::uint16_t>(lo);
      c.port_max = static_cast<std::uint16_t>(hi);
    }
  }
  r.str(t, "media.", "prompts_dir", c.prompts_dir);
  r.str(t, "media.", "language", c.language);
}

void read_callback(Reader& r, const toml::table& t, CallbackConfig& c) {
  r.only_keys(t, "callback.",
              {"trigger_window_s", "default_delay_s", "ring_timeout_s", "max_attempts", "retry_delay_s",
               "retry_backoff_max_s", "crash_settle_s", "min_interval_s", "max_call_duration_s",
               "line_wait_s", "max_per_hour", "max_per_day", "max_concurrent"});
  r.integer(t, "callback.", "trigger_window_s", c.trigger_window_s, 1, 120);
  r.integer(t, "callback.", "default_delay_s", c.default_delay_s, 0, 3600);
  r.integer(t, "callback.", "ring_timeout_s", c.ring_timeout_s, 5, 300);
  r.integer(t, "callback.", "max_attempts", c.max_attempts, 1, 10);
  r.integer(t, "callback.", "retry_delay_s", c.retry_delay_s, 1, 86400);
  r.integer(t, "callback.", "retry_backoff_max_s", c.retry_backoff_max_s, 1, 86400);
  r.integer(t, "callback.", "crash_settle_s", c.crash_settle_s, 0, 3600);
  r.integer(t, "callback.", "min_interval_s", c.min_interval_s, 0, 86400);
  r.integer(t, "callback.", "max_call_duration_s", c.max_call_duration_s, 10, 86400);
  r.integer(t, "callback.", "line_wait_s", c.line_wait_s, 0, 3600);
  r.integer(t, "callback.", "max_per_hour", c.max_per_hour, 0, 100000);
  r.integer(t, "callback.", "max_per_day", c.max_per_day, 0, 100000);
  r.integer(t, "callback.", "max_concurrent", c.max_concurrent, 1, 100000);
}

void read_attendant(Reader& r, const toml::table& t, AttendantConfig& c) {
  r.only_keys(t, "attendant.",
              {"digit_timeout_s", "response_timeout_s", "greeting_repeats", "lockout_failures", "lockout_s",
               "operator_extension", "number", "menu_file"});
  r.integer(t, "attendant.", "digit_timeout_s", c.digit_timeout_s, 1, 60);
  r.integer(t, "attendant.", "response_timeout_s", c.response_timeout_s, 1, 120);
  r.integer(t, "attendant.", "greeting_repeats", c.greeting_repeats, 1, 20);
  r.integer(t, "attendant.", "lockout_failures", c.lockout_failures, 1, 100);
  r.integer(t, "attendant.", "lockout_s", c.lockout_s, 10, 86400);
  r.str(t, "attendant.", "operator_extension", c.operator_extension);
  r.str(t, "attendant.", "number", c.number);
  r.str(t, "attendant.", "menu_file", c.menu_file);
}

void read_policy(Reader& r, const toml::table& t, PolicyConfig& c) {
  r.only_keys(t, "policy.",
              {"country", "allow_international", "allow_premium", "allow_shared_cost", "allow_satellite",
               "allow_special", "allow", "deny", "deny_prefixes", "remote_allow", "relay_sip_hosts",
               "max_relay_calls_per_caller", "max_relay_calls", "max_relay_calls_per_hour",
               "max_relay_calls_per_day", "max_relay_duration_s"});
  r.str(t, "policy.", "country", c.country);
  r.boolean(t, "policy.", "allow_international", c.allow_international);
  r.boolean(t, "policy.", "allow_premium", c.allow_premium);
  r.boolean(t, "policy.", "allow_shared_cost", c.allow_shared_cost);
  r.boolean(t, "policy.", "allow_satellite", c.allow_satellite);
  r.boolean(t, "policy.", "allow_special", c.allow_special);
  const std::string pattern = "must be '+' then digits, '*' and '?' (an E.164 pattern such as \"+4420*\")";
  r.strings(t, "policy.", "allow", c.allow, callback::is_valid_number_pattern, pattern);
  r.strings(t, "policy.", "deny", c.deny, callback::is_valid_number_pattern, pattern);
  r.strings(t, "policy.", "remote_allow", c.remote_allow, callback::is_valid_number_pattern, pattern);
  r.strings(t, "policy.", "deny_prefixes", c.deny_prefixes, callback::is_valid_deny_prefix,
            "must be '+' then up to 15 digits or '?' (an E.164 prefix such as \"+1???976\")");
  r.strings(t, "policy.", "relay_sip_hosts", c.relay_sip_hosts, callback::is_valid_relay_host,
            "must be a host or host:port (\"10.0.0.5\", \"[2001:db8::1]:5080\")");
  r.integer(t, "policy.", "max_relay_calls_per_caller", c.max_relay_calls_per_caller, 1, 100);
  r.integer(t, "policy.", "max_relay_calls", c.max_relay_calls, 1, 10000);
  r.integer(t, "policy.", "max_relay_calls_per_hour", c.max_relay_calls_per_hour, 0, 100000);
  r.integer(t, "policy.", "max_relay_calls_per_day", c.max_relay_calls_per_day, 0, 100000);
  r.integer(t, "policy.", "max_relay_duration_s", c.max_relay_duration_s, 10, 86400);
}

void read_inbound(Reader& r, const std::string& prefix, const std::string& text, LineConfig& line) {
  if (text == "auto-attendant") {
    line.inbound = InboundRoute::AutoAttendant;
  } else if (text == "reject") {
    line.inbound = InboundRoute::Reject;
  } else if (text.starts_with("extension:") && text.size() > 10 &&
             text.find_first_not_of("0123456789", 10) == std::string::npos) {
    line.inbound = InboundRoute::Extension;
    line.inbound_extension = text.substr(10);
  } else {
    r.error(prefix + "inbound", "must be \"auto-attendant\", \"reject\" or \"extension:<number>\"");
  }
}

LineConfig read_line(Reader& r, const toml::table& t, std::size_t index) {
  const std::string prefix = "line[" + std::to_string(index) + "].";
  r.only_keys(
      t, prefix,
      {"name", "gateway", "transport", "number", "channels", "inbound", "answer_delay_s", "country",
       "strip_prefixes", "allow_carrier_codes", "dial_format", "allow_international", "max_relay_calls"});
  LineConfig line;
  r.str(t, prefix, "name", line.name);
  if (line.name.empty()) r.error(prefix + "name", "is required");
  if (t.get("gateway") == nullptr) r.error(prefix + "gateway", "is required");
  r.host_port(t, prefix, "gateway", line.gateway);
  std::string transport = "udp";
  r.str(t, prefix, "transport", transport);
  if (transport == "tcp") {
    line.transport = LineTransport::Tcp;
  } else if (transport != "udp") {
    r.error(prefix + "transport", "must be \"udp\" or \"tcp\"");
  }
  r.str(t, prefix, "number", line.number);
  r.integer(t, prefix, "channels", line.channels, 1, 1000);
  std::string inbound = "auto-attendant";
  r.str(t, prefix, "inbound", inbound);
  read_inbound(r, prefix, inbound, line);
  r.integer(t, prefix, "answer_delay_s", line.answer_delay_s, 0, 300);
  r.str(t, prefix, "country", line.country);
  r.strings(t, prefix, "strip_prefixes", line.strip_prefixes, callback::is_valid_strip_prefix,
            "must be 1 to 4 digits (an outside-line prefix such as \"9\")");
  r.boolean(t, prefix, "allow_carrier_codes", line.allow_carrier_codes);
  r.boolean(t, prefix, "allow_international", line.allow_international);
  std::string format(callback::to_string(line.dial_format));
  r.str(t, prefix, "dial_format", format);
  if (!callback::parse_dial_format(format, line.dial_format)) {
    r.error(prefix + "dial_format", "must be \"e164\" or \"national\"");
  }
  r.integer(t, prefix, "max_relay_calls", line.max_relay_calls, 0, 1000);
  return line;
}

void read_lines(Reader& r, const toml::table& root, Config& c) {
  const auto* node = root.get("line");
  if (node == nullptr) return;
  const auto* arr = node->as_array();
  if (arr == nullptr) {
    r.error("line", "must be an array of tables ([[line]])");
    return;
  }
  std::set<std::string> names;
  std::set<std::string> gateways;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* t = (*arr)[i].as_table();
    if (t == nullptr) {
      r.error("line[" + std::to_string(i) + "]", "must be a table");
      continue;
    }
    LineConfig line = read_line(r, *t, i);
    if (!names.insert(line.name).second)
      r.error("line[" + std::to_string(i) + "].name", "duplicate line name");
    if (!line.gateway.host.empty() && !gateways.insert(line.gateway.str()).second) {
      r.error("line[" + std::to_string(i) + "].gateway", "another line already uses this gateway address");
    }
    c.lines.push_back(std::move(line));
  }
}

void read_root(Reader& r, const toml::table& root, Config& c) {
  r.only_keys(root, "",
              {"sip", "media", "store", "web", "callback", "attendant", "line", "policy", "log_level"});
  auto section = [&](std::string_view name) -> const toml::table* {
    const auto* node = root.get(name);
    if (node == nullptr) return nullptr;
    if (const auto* t = node->as_table()) return t;
    r.error(std::string(name), "must be a table");
    return nullptr;
  };
  if (const auto* t = section("sip")) read_sip(r, *t, c.sip);
  if (c.sip.realm.empty()) c.sip.realm = c.sip.listen.host;
  if (const auto* t = section("media")) read_media(r, *t, c.media);
  if (const auto* t = section("store")) {
    r.only_keys(*t, "store.", {"sqlite"});
    r.str(*t, "store.", "sqlite", c.store.sqlite);
  }
  if (const auto* t = section("web")) {
    r.only_keys(*t, "web.",
                {"listen", "admin_token", "secure_cookie", "request_timeout_s", "max_connections"});
    r.boolean(*t, "web.", "secure_cookie", c.web.secure_cookie);
    r.integer(*t, "web.", "request_timeout_s", c.web.request_timeout_s, 1, 300);
    r.integer(*t, "web.", "max_connections", c.web.max_connections, 1, 1024);
    r.host_port(*t, "web.", "listen", c.web.listen);
    r.str(*t, "web.", "admin_token", c.web.admin_token);
    if (!c.web.admin_token.empty() && c.web.admin_token.size() < 16) {
      r.error("web.admin_token", "must be at least 16 characters (or absent, to generate one)");
    }
  }
  if (const auto* t = section("callback")) read_callback(r, *t, c.callback);
  if (const auto* t = section("attendant")) read_attendant(r, *t, c.attendant);
  if (const auto* t = section("policy")) read_policy(r, *t, c.policy);
  read_lines(r, root, c);
  r.str(root, "", "log_level", c.log_level);
  static constexpr std::array kLevels = {"trace", "debug", "info", "warn", "error"};
  if (std::find(kLevels.begin(), kLevels.end(), c.log_level) == kLevels.end()) {
    r.error("log_level", "must be one of trace, debug, info, warn, error");
  }
}

}  // namespace

std::variant<Config, std::vector<ConfigError>> parse_config(const std::string& toml_text) {
  std::vector<ConfigError> errors;
  Config config;
  try {
    toml::table root = toml::parse(toml_text);
    Reader reader(errors);
    read_root(reader, root, config);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    errors.push_back({"line " + std::to_string(where.line) + ", column " + std::to_string(where.column),
                      std::string(e.description())});
  }
  if (!errors.empty()) return errors;
  return config;
}

std::variant<CallSettings, std::vector<ConfigError>> parse_call_settings(const std::string& toml_text) {
  std::vector<ConfigError> errors;
  Config config;
  try {
    toml::table root = toml::parse(toml_text);
    Reader reader(errors);
    reader.only_keys(root, "", {"callback", "line", "policy"});
    if (const auto* t = root["callback"].as_table()) read_callback(reader, *t, config.callback);
    // Only deny_prefixes of [policy] is edited in web management; the rest stays the file's.
    if (const auto* t = root["policy"].as_table()) {
      reader.only_keys(*t, "policy.", {"deny_prefixes"});
      read_policy(reader, *t, config.policy);
    }
    read_lines(reader, root, config);
  } catch (const toml::parse_error& e) {
    errors.push_back({"", std::string(e.description())});
  }
  if (errors.empty()) errors = check_lines(config.lines);
  if (!errors.empty()) return errors;
  return CallSettings{std::move(config.lines), config.callback, std::move(config.policy.deny_prefixes)};
}

std::variant<Config, std::vector<ConfigError>> load_config(const std::string& path, ConfigChecks checks) {
  std::ifstream in(path);
  if (!in) return std::vector<ConfigError>{{path, "cannot be read"}};
  std::stringstream text;
  text << in.rdbuf();
  auto result = parse_config(text.str());
  if (checks == ConfigChecks::KeysOnly || std::holds_alternative<std::vector<ConfigError>>(result))
    return result;
  auto errors = check_config(std::get<Config>(result));
  if (!errors.empty()) return errors;
  return result;
}

}  // namespace callbackd::app

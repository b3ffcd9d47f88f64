#include "app/call_settings.hpp"

#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <chrono>
#include <sstream>

#include "callback/text.hpp"

namespace callbackd::app {
namespace {

using nlohmann::json;

constexpr const char* kLinesKey = "lines";
constexpr const char* kCallbackKey = "callback";
// [policy] deny_prefixes rides in the callback settings' JSON: the Call Back settings page edits both.
constexpr const char* kDenyPrefixesKey = "deny_prefixes";

std::string inbound_text(const LineConfig& l) {
  switch (l.inbound) {
    case InboundRoute::AutoAttendant:
      return "auto-attendant";
    case InboundRoute::Reject:
      return "reject";
    case InboundRoute::Extension:
      return "extension:" + l.inbound_extension;
  }
  return "";
}

// JSON values as TOML nodes, so the file's reader judges them; a null is left out (the key's default).
void put_node(const std::string& key, const json& v, toml::table& out);

toml::array to_toml_array(const json& arr) {
  toml::array out;
  for (const auto& v : arr) {
    toml::table holder;
    put_node("v", v, holder);
    if (auto* node = holder.get("v")) out.push_back(*node);
  }
  return out;
}

toml::table to_toml_table(const json& obj) {
  toml::table out;
  for (const auto& [k, v] : obj.items()) put_node(k, v, out);
  return out;
}

void put_node(const std::string& key, const json& v, toml::table& out) {
  if (v.is_string()) {
    out.insert(key, v.get<std::string>());
  } else if (v.is_boolean()) {
    out.insert(key, v.get<bool>());
  } else if (v.is_number_integer()) {
    out.insert(key, v.get<std::int64_t>());
  } else if (v.is_number()) {
    out.insert(key, v.get<double>());
  } else if (v.is_array()) {
    out.insert(key, to_toml_array(v));
  } else if (v.is_object()) {
    out.insert(key, to_toml_table(v));
  }
}

// "line[2].channels", "callback.max_attempts, ..." or "policy.deny_prefixes[1]" -> "channels" /
// "max_attempts" / "deny_prefixes": the form's field (a list is one field, whichever entry is wrong).
std::string field_of(const std::string& key) {
  std::string first = key.substr(0, key.find(", "));
  const auto dot = first.rfind('.');
  if (dot != std::string::npos) first = first.substr(dot + 1);
  if (first.ends_with(']')) first = first.substr(0, first.rfind('['));
  return dot == std::string::npos && first == "line" ? "name" : first;
}

// The callback settings' JSON holds [callback] and [policy] deny_prefixes; without the latter,
// `deny_prefixes` (the list in effect) is judged and kept.
std::variant<CallSettings, std::vector<ConfigError>> check(const json& lines, const json& callback,
                                                           const std::vector<std::string>& deny_prefixes) {
  if (!lines.is_array()) return std::vector<ConfigError>{{"line", "must be an array of lines"}};
  if (!callback.is_object()) return std::vector<ConfigError>{{"callback", "must be an object"}};
  toml::table root;
  for (const auto& line : lines) {
    if (!line.is_object()) return std::vector<ConfigError>{{"line", "each line must be an object"}};
  }
  json callback_table = callback;
  json policy = {{kDenyPrefixesKey, deny_prefixes}};
  if (const auto it = callback_table.find(kDenyPrefixesKey); it != callback_table.end()) {
    policy[kDenyPrefixesKey] = *it;
    callback_table.erase(it);
  }
  root.insert("line", to_toml_array(lines));
  root.insert("callback", to_toml_table(callback_table));
  root.insert("policy", to_toml_table(policy));
  std::ostringstream text;
  text << root;
  return parse_call_settings(text.str());
}

json callback_part_json(const CallSettings& s) {
  json out = callback_json(s.callback);
  out[kDenyPrefixesKey] = s.deny_prefixes;
  return out;
}

json lines_json(const std::vector<LineConfig>& lines) {
  json out = json::array();
  for (const auto& l : lines) out.push_back(line_json(l));
  return out;
}

std::int64_t now_ms() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The stored part, checked again: the rules may have grown since it was stored, or the row was hand-edited.
// Callback settings stored before deny_prefixes joined them keep the file's list.
std::optional<CallSettings> stored(store::SettingsStore& s, const char* key, const CallSettings& file) {
  const auto text = s.get(key);
  if (!text) return std::nullopt;
  const json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const bool is_lines = std::string_view(key) == kLinesKey;
  auto result = check(is_lines ? doc : lines_json(file.lines), is_lines ? callback_json(file.callback) : doc,
                      file.deny_prefixes);
  if (const auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    for (const auto& e : *errors) {
      spdlog::error("settings: the admin's {} in the database are refused ({}: {}); using the file's", key,
                    callback::text::log_escape(e.key), callback::text::log_escape(e.message));
    }
    return std::nullopt;
  }
  return std::get<CallSettings>(result);
}

// Whether the stored callback settings hold deny_prefixes (those stored before it joined them do not).
bool stored_deny_prefixes(store::SettingsStore& s) {
  const auto text = s.get(kCallbackKey);
  if (!text) return false;
  const json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() && doc.contains(kDenyPrefixesKey);
}

std::string differing_lines(const std::vector<LineConfig>& admin, const std::vector<LineConfig>& file) {
  std::map<std::string, json> a;
  std::map<std::string, json> f;
  for (const auto& l : admin) a[l.name] = line_json(l);
  for (const auto& l : file) f[l.name] = line_json(l);
  std::string names;
  auto add = [&names](const std::string& n) { names += (names.empty() ? "" : ", ") + n; };
  for (const auto& [name, j] : a) {
    if (!f.contains(name) || f[name] != j) add(name);
  }
  for (const auto& [name, j] : f) {
    if (!a.contains(name)) add(name);
  }
  return names;
}

}  // namespace

json line_json(const LineConfig& l) {
  return {{"name", l.name},
          {"gateway", l.gateway.str()},
          {"transport", l.transport == LineTransport::Tcp ? "tcp" : "udp"},
          {"number", l.number},
          {"channels", l.channels},
          {"inbound", inbound_text(l)},
          {"answer_delay_s", l.answer_delay_s},
          {"country", l.country},
          {"strip_prefixes", l.strip_prefixes},
          {"allow_carrier_codes", l.allow_carrier_codes},
          {"allow_international", l.allow_international},
          {"dial_format", callback::to_string(l.dial_format)},
          {"max_relay_calls", l.max_relay_calls}};
}

json callback_json(const CallbackConfig& c) {
  return {{"trigger_window_s", c.trigger_window_s},
          {"default_delay_s", c.default_delay_s},
          {"ring_timeout_s", c.ring_timeout_s},
          {"max_attempts", c.max_attempts},
          {"retry_delay_s", c.retry_delay_s},
          {"retry_backoff_max_s", c.retry_backoff_max_s},
          {"crash_settle_s", c.crash_settle_s},
          {"min_interval_s", c.min_interval_s},
          {"max_call_duration_s", c.max_call_duration_s},
          {"line_wait_s", c.line_wait_s},
          {"max_per_hour", c.max_per_hour},
          {"max_per_day", c.max_per_day},
          {"max_concurrent", c.max_concurrent}};
}

CallSettingsService::CallSettingsService(store::SettingsStore& store, const Config& file)
    : store_(store), current_{file.lines, file.callback, file.policy.deny_prefixes} {
  const CallSettings from_file = current_;
  if (auto s = stored(store_, kLinesKey, from_file)) {
    current_.lines = std::move(s->lines);
    admin_lines_ = true;
  }
  if (auto s = stored(store_, kCallbackKey, from_file)) {
    current_.callback = s->callback;
    current_.deny_prefixes = std::move(s->deny_prefixes);
    admin_callback_ = true;
    admin_deny_prefixes_ = stored_deny_prefixes(store_);
  }
  if (admin_lines_ || admin_callback_) {
    spdlog::info("settings: using the admin's {} from the database instead of the file's",
                 admin_lines_ && admin_callback_ ? "lines and callback settings"
                 : admin_lines_                  ? "lines"
                                                 : "callback settings");
  }
}

void CallSettingsService::attach(Apply apply, Live live) {
  std::lock_guard lock(mu_);
  apply_ = std::move(apply);
  live_ = std::move(live);
}

CallSettings CallSettingsService::effective() const {
  std::lock_guard lock(mu_);
  return current_;
}

void CallSettingsService::file_reloaded(const CallSettings& file) {
  std::lock_guard lock(mu_);
  if (!admin_lines_) {
    current_.lines = file.lines;
  } else if (const auto names = differing_lines(current_.lines, file.lines); !names.empty()) {
    spdlog::warn(
        "reload: [[line]] of the file differs from the lines an admin set in web management ({}); "
        "the admin's stay",
        callback::text::log_escape(names));
  }
  if (!admin_callback_) {
    current_.callback = file.callback;
  } else if (callback_json(current_.callback) != callback_json(file.callback)) {
    spdlog::warn(
        "reload: [callback] of the file differs from the settings an admin set in web management; "
        "the admin's stay");
  }
  if (!admin_deny_prefixes_) {
    current_.deny_prefixes = file.deny_prefixes;
  } else if (current_.deny_prefixes != file.deny_prefixes) {
    spdlog::warn(
        "reload: [policy] deny_prefixes of the file differs from the list an admin set in web management; "
        "the admin's stays");
  }
  if (apply_) apply_(current_);
}

json CallSettingsService::lines() {
  const auto now = live();
  json out = lines_json(effective().lines);
  for (auto& line : out) {
    line["channels_busy"] = nullptr;
    line["up"] = nullptr;
    if (now.is_null()) continue;
    for (const auto& l : now["lines"]) {
      if (l["name"] != line["name"]) continue;
      line["channels_busy"] = l["busy"];
      line["up"] = l["up"];
    }
  }
  return out;
}

json CallSettingsService::callback() {
  return callback_part_json(effective());
}

int CallSettingsService::default_delay_s() const {
  std::lock_guard lock(mu_);
  return current_.callback.default_delay_s;
}

std::optional<web::SettingsProblem> CallSettingsService::set_lines(const json& lines) {
  return change(kLinesKey, lines, callback_part_json(effective()));
}

std::optional<web::SettingsProblem> CallSettingsService::set_callback(const json& callback) {
  return change(kCallbackKey, lines_json(effective().lines), callback);
}

std::optional<web::SettingsProblem> CallSettingsService::change(const char* key, const json& lines,
                                                                const json& callback) {
  std::lock_guard lock(mu_);
  auto result = check(lines, callback, current_.deny_prefixes);
  if (const auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    return web::SettingsProblem{field_of(errors->front().key), errors->front().message};
  }
  auto next = std::get<CallSettings>(std::move(result));
  const bool is_lines = std::string_view(key) == kLinesKey;
  // Stored in the form it was read back in, so the next start reads exactly what runs now. The callback
  // settings are stored with deny_prefixes always: saved once, the admin's list is the truth.
  const json doc = is_lines ? lines_json(next.lines) : callback_part_json(next);
  store_.put(key, doc.dump(), now_ms());  // throws StoreError: nothing applied, the API answers 503
  if (is_lines) {
    current_.lines = std::move(next.lines);
    admin_lines_ = true;
  } else {
    current_.callback = next.callback;
    current_.deny_prefixes = std::move(next.deny_prefixes);
    admin_callback_ = true;
    admin_deny_prefixes_ = true;
  }
  // Posted under the lock: the loop applies changes in the order they were stored.
  if (apply_) apply_(current_);
  return std::nullopt;
}

json CallSettingsService::live() {
  Live live;
  {
    std::lock_guard lock(mu_);
    live = live_;
  }
  const auto l = live ? live() : std::nullopt;
  if (!l) return nullptr;
  json lines = json::array();
  for (const auto& line : l->lines) {
    lines.push_back(
        {{"name", line.name}, {"channels", line.channels}, {"busy", line.in_use}, {"up", line.up}});
  }
  return {{"active_legs", l->legs}, {"lines", lines}};
}

}  // namespace callbackd::app

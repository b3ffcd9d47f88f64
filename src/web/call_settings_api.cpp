#include "web/call_settings_api.hpp"

#include <spdlog/spdlog.h>

#include "callback/text.hpp"

namespace callbackd::web {
namespace {

using nlohmann::json;

// The list without the live figure, as the port takes it back.
json editable(json lines) {
  for (auto& l : lines) {
    l.erase("channels_busy");
    l.erase("up");
  }
  return lines;
}

json::iterator find_line(json& lines, const std::string& name) {
  return std::find_if(lines.begin(), lines.end(),
                      [&name](const json& l) { return l.value("name", "") == name; });
}

Reply no_line(const std::string& name) {
  return error_reply(404, "no line " + name, "name");
}

std::optional<json> object_body(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  j.erase("channels_busy");  // shown, never set
  j.erase("up");
  return j;
}

Reply not_object() {
  return error_reply(400, "the body must be a JSON object");
}

}  // namespace

Reply CallSettingsApi::list_lines() {
  return Reply{200, port_.lines()};
}

Reply CallSettingsApi::get_line(const std::string& name) {
  json lines = port_.lines();
  const auto it = find_line(lines, name);
  return it == lines.end() ? no_line(name) : Reply{200, *it};
}

Reply CallSettingsApi::create_line(const std::string& body) {
  auto line = object_body(body);
  if (!line) return not_object();
  std::lock_guard lock(mu_);
  json lines = editable(port_.lines());
  const json name = line->value("name", json());
  if (name.is_string() && find_line(lines, name.get<std::string>()) != lines.end()) {
    return error_reply(409, "a line named " + name.get<std::string>() + " already exists", "name");
  }
  lines.push_back(*line);
  return save_lines(lines, name.is_string() ? name.get<std::string>() : "", 201);
}

Reply CallSettingsApi::replace_line(const std::string& name, const std::string& body) {
  auto line = object_body(body);
  if (!line) return not_object();
  std::lock_guard lock(mu_);
  json lines = editable(port_.lines());
  const auto it = find_line(lines, name);
  if (it == lines.end()) return no_line(name);
  // Jobs and call records name their line: a rename would orphan them, so a line keeps its name.
  if (line->contains("name") && (*line)["name"] != name) {
    return error_reply(400, "a line keeps its name: create a new line and delete this one", "name");
  }
  (*line)["name"] = name;
  *it = *line;
  return save_lines(lines, name, 200);
}

Reply CallSettingsApi::delete_line(const std::string& name) {
  std::lock_guard lock(mu_);
  json lines = editable(port_.lines());
  const auto it = find_line(lines, name);
  if (it == lines.end()) return no_line(name);
  lines.erase(it);
  if (auto problem = port_.set_lines(lines)) return error_reply(409, problem->message, "name");
  spdlog::info("api: deleted line {}", callback::text::log_escape(name));
  return Reply{204, nullptr};
}

Reply CallSettingsApi::save_lines(const json& lines, const std::string& name, int status) {
  if (auto problem = port_.set_lines(lines)) return error_reply(400, problem->message, problem->field);
  spdlog::info("api: {} line {}", status == 201 ? "created" : "changed", callback::text::log_escape(name));
  json now = port_.lines();
  const auto it = find_line(now, name);
  return it == now.end() ? no_line(name) : Reply{status, *it};
}

Reply CallSettingsApi::get_callback() {
  return Reply{200, port_.callback()};
}

Reply CallSettingsApi::replace_callback(const std::string& body) {
  auto change = object_body(body);
  if (!change) return not_object();
  std::lock_guard lock(mu_);
  json next = port_.callback();
  for (const auto& [k, v] : change->items()) next[k] = v;
  if (auto problem = port_.set_callback(next)) return error_reply(400, problem->message, problem->field);
  spdlog::info("api: changed the callback settings");
  return Reply{200, port_.callback()};
}

}  // namespace callbackd::web

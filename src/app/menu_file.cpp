#include "app/menu_file.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "ivr/remote_config.hpp"

namespace callbackd::app {
namespace {

using Errors = std::vector<std::string>;

void only_keys(const toml::table& t, const std::string& where, std::initializer_list<std::string_view> known,
               Errors& errors) {
  const std::set<std::string_view> allowed(known);
  for (const auto& [k, v] : t) {
    if (!allowed.contains(k.str())) errors.push_back(where + std::string(k.str()) + ": unknown key");
  }
}

std::string text(const toml::table& t, std::string_view key, const std::string& where, Errors& errors) {
  const auto* node = t.get(key);
  if (node == nullptr) return {};
  if (auto v = node->value<std::string>()) return *v;
  errors.push_back(where + std::string(key) + ": must be a string");
  return {};
}

bool flag(const toml::table& t, std::string_view key, const std::string& where, Errors& errors) {
  const auto* node = t.get(key);
  if (node == nullptr) return false;
  if (node->is_boolean()) return *node->value<bool>();
  errors.push_back(where + std::string(key) + ": must be true or false");
  return false;
}

ivr::MenuChoice read_choice(const toml::table& t, const std::string& where, Errors& errors) {
  ivr::MenuChoice c;
  const std::string action = text(t, "action", where, errors);
  if (auto a = ivr::menu_action_from(action)) {
    c.action = *a;
  } else {
    errors.push_back(where + "action: must be goto, extension, dial, feature, operator or hangup");
  }
  c.target = text(t, "target", where, errors);
  c.needs_login = flag(t, "needs_login", where, errors);
  c.needs_relay = flag(t, "needs_relay", where, errors);
  return c;
}

ivr::MenuState read_state(const toml::table& t, const std::string& where, Errors& errors) {
  only_keys(t, where, {"name", "prompts", "option", "entry"}, errors);
  ivr::MenuState s;
  s.name = text(t, "name", where, errors);
  if (const auto* prompts = t.get_as<toml::array>("prompts")) {
    for (const auto& p : *prompts) {
      if (auto v = p.value<std::string>()) {
        s.prompts.push_back(*v);
      } else {
        errors.push_back(where + "prompts: must be strings");
      }
    }
  }
  if (const auto* options = t.get_as<toml::array>("option")) {
    for (std::size_t i = 0; i < options->size(); ++i) {
      const std::string at = where + "option[" + std::to_string(i) + "].";
      const auto* o = (*options)[i].as_table();
      if (o == nullptr) {
        errors.push_back(at + ": must be a table");
        continue;
      }
      only_keys(*o, at, {"keys", "action", "target", "needs_login", "needs_relay"}, errors);
      s.options.push_back({text(*o, "keys", at, errors), read_choice(*o, at, errors)});
    }
  }
  if (const auto* entry = t.get_as<toml::table>("entry")) {
    only_keys(*entry, where + "entry.", {"action", "target", "needs_login", "needs_relay"}, errors);
    s.entry = read_choice(*entry, where + "entry.", errors);
  }
  return s;
}

}  // namespace

std::variant<ivr::Menu, std::vector<std::string>> parse_menu(const std::string& toml_text) {
  Errors errors;
  ivr::Menu menu;
  menu.states.clear();
  try {
    const toml::table root = toml::parse(toml_text);
    only_keys(root, "", {"start", "relay_start", "hangup_keys", "state"}, errors);
    if (const auto* v = root.get("start")) menu.start = v->value_or(std::string());
    if (const auto* v = root.get("relay_start")) menu.relay_start = v->value_or(std::string());
    if (const auto* v = root.get("hangup_keys")) menu.hangup_keys = v->value_or(std::string());
    if (const auto* states = root.get_as<toml::array>("state")) {
      for (std::size_t i = 0; i < states->size(); ++i) {
        const std::string where = "state[" + std::to_string(i) + "].";
        if (const auto* t = (*states)[i].as_table()) {
          menu.states.push_back(read_state(*t, where, errors));
        } else {
          errors.push_back(where + ": must be a table");
        }
      }
    }
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Errors{"line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ": " +
                  std::string(e.description())};
  }
  if (errors.empty()) errors = ivr::validate_menu(menu);
  if (!errors.empty()) return errors;
  return menu;
}

std::variant<ivr::Menu, std::vector<std::string>> load_menu_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Errors{"cannot be read"};
  std::stringstream body;
  body << in.rdbuf();
  return parse_menu(body.str());
}

std::variant<std::shared_ptr<const ivr::Menu>, std::vector<std::string>> attendant_menu(
    const AttendantConfig& config) {
  ivr::Menu menu = ivr::default_menu();
  if (!config.menu_file.empty()) {
    auto loaded = load_menu_file(config.menu_file);
    if (auto* errors = std::get_if<Errors>(&loaded)) return std::move(*errors);
    menu = std::move(std::get<ivr::Menu>(loaded));
  }
  menu.digit_timeout_ms = config.digit_timeout_s * 1000;
  menu.response_timeout_ms = config.response_timeout_s * 1000;
  menu.repeats = config.greeting_repeats;
  return std::make_shared<const ivr::Menu>(std::move(menu));
}

std::vector<std::string> menu_prompts(const ivr::Menu& menu) {
  std::set<std::string> names{"invalid",        "no-input",     "goodbye",     "login-extension",
                              "login-password", "login-failed", "locked-out",  "relay-not-allowed",
                              "busy",           "no-answer",    "call-failed", "number-refused",
                              "not-available",  "ringback"};
  bool remote = false;  // a menu without *5 / *6 never plays their dialogue
  for (const auto& s : menu.states) {
    names.insert(s.prompts.begin(), s.prompts.end());
    for (const auto& o : s.options) remote = remote || ivr::remote_feature(o.choice).has_value();
    remote = remote || (s.entry && ivr::remote_feature(*s.entry).has_value());
  }
  if (remote) {
    for (auto& name : ivr::remote_prompts()) names.insert(std::move(name));
  }
  return {names.begin(), names.end()};
}

}  // namespace callbackd::app

#include "ivr/menu.hpp"

#include <array>
#include <set>
#include <utility>

namespace callbackd::ivr {
namespace {

constexpr std::array<std::pair<MenuAction, std::string_view>, 6> kActionNames{{
    {MenuAction::Goto, "goto"},
    {MenuAction::Extension, "extension"},
    {MenuAction::Dial, "dial"},
    {MenuAction::Feature, "feature"},
    {MenuAction::Operator, "operator"},
    {MenuAction::Hangup, "hangup"},
}};

bool is_key(char c) {
  return (c >= '0' && c <= '9') || c == '*' || (c >= 'A' && c <= 'D');
}

void check_choice(const Menu& menu, const std::string& where, const MenuChoice& c,
                  std::vector<std::string>& out) {
  if (c.action == MenuAction::Goto && menu.find(c.target) == nullptr) {
    out.push_back(where + ": goes to unknown state \"" + c.target + "\"");
  }
  if (c.action == MenuAction::Feature && c.target.empty()) out.push_back(where + ": feature without a code");
  if (c.needs_relay && !c.needs_login) out.push_back(where + ": needs_relay requires needs_login");
}

void check_options(const Menu& menu, const MenuState& state, std::vector<std::string>& out) {
  std::set<std::string> keys;
  for (const auto& o : state.options) {
    const std::string where = "state \"" + state.name + "\" option \"" + o.keys + "\"";
    if (o.keys.empty() || o.keys.size() > menu.max_digits)
      out.push_back(where + ": keys must be 1 to 32 keys");
    for (char c : o.keys) {
      if (!is_key(c)) {
        out.push_back(where + ": keys may be 0-9, *, A-D ('#' ends an entry)");
        break;
      }
    }
    if (!keys.insert(o.keys).second) out.push_back(where + ": listed twice");
    check_choice(menu, where, o.choice, out);
  }
  // An option acts as soon as its keys are complete, so one that begins another would make the longer one
  // unreachable.
  for (const auto& a : keys) {
    for (const auto& b : keys) {
      if (a != b && b.starts_with(a)) {
        std::string problem = "state \"" + state.name + "\": option \"";
        problem.append(a).append("\" hides option \"").append(b).append("\"");
        out.push_back(std::move(problem));
      }
    }
  }
}

}  // namespace

const MenuState* Menu::find(std::string_view name) const {
  for (const auto& s : states) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Menu default_menu() {
  Menu m;
  MenuState main{"main", {"welcome"}, {}, MenuChoice{MenuAction::Extension, "", false, false}};
  main.options = {
      {"*8", {MenuAction::Goto, "relay", true, true}},
      {"*5", {MenuAction::Feature, "5", false, false}},
      {"*6", {MenuAction::Feature, "6", false, false}},
      {"0", {MenuAction::Operator, "", false, false}},
  };
  MenuState relay{"relay", {"relay-enter-number"}, {}, MenuChoice{MenuAction::Dial, "", true, true}};
  m.states = {std::move(main), std::move(relay)};
  return m;
}

std::vector<std::string> validate_menu(const Menu& menu) {
  std::vector<std::string> out;
  if (menu.find(menu.start) == nullptr) out.push_back("start state \"" + menu.start + "\" does not exist");
  if (menu.find(menu.relay_start) == nullptr) {
    out.push_back("relay_start state \"" + menu.relay_start + "\" does not exist");
  }
  std::set<std::string> names;
  for (const auto& s : menu.states) {
    if (s.name.empty()) out.emplace_back("a state without a name");
    if (!names.insert(s.name).second) out.push_back("state \"" + s.name + "\" is defined twice");
    if (s.prompts.empty()) out.push_back("state \"" + s.name + "\" plays no prompt");
    check_options(menu, s, out);
    if (s.entry) check_choice(menu, "state \"" + s.name + "\" entry", *s.entry, out);
  }
  if (menu.hangup_keys.empty()) out.emplace_back("hangup_keys must not be empty");
  for (char c : menu.hangup_keys) {
    if (!is_key(c)) out.emplace_back("hangup_keys may be 0-9, *, A-D");
  }
  return out;
}

std::string_view to_string(MenuAction a) {
  for (const auto& [action, name] : kActionNames) {
    if (action == a) return name;
  }
  return "unknown";
}

std::optional<MenuAction> menu_action_from(std::string_view text) {
  for (const auto& [action, name] : kActionNames) {
    if (name == text) return action;
  }
  return std::nullopt;
}

}  // namespace callbackd::ivr

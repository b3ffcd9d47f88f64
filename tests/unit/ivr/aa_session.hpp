#pragma once
// Drives an Attendant in a test: events in, the actions it answered kept for the checks.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ivr/attendant.hpp"

namespace callbackd::ivr {

using Kind = AaAction::Kind;

inline std::shared_ptr<const Menu> menu_of(Menu m) {
  return std::make_shared<const Menu>(std::move(m));
}

inline AaEvent digit(char d) {
  return {AaEvent::Kind::Digit, d};
}

struct Session {
  Attendant aa;
  std::vector<AaAction> last;
  explicit Session(AaCaller caller = {}, Menu menu = default_menu())
      : aa(menu_of(std::move(menu)), std::move(caller)) {
    last = aa.handle({AaEvent::Kind::Start});
  }
  std::vector<AaAction> keys(const std::string& k) {
    std::vector<AaAction> all;
    for (char c : k) {
      last = aa.handle(digit(c));
      all.insert(all.end(), last.begin(), last.end());
    }
    return all;
  }
};

inline const AaAction* find(const std::vector<AaAction>& actions, Kind kind) {
  auto it =
      std::find_if(actions.begin(), actions.end(), [kind](const AaAction& a) { return a.kind == kind; });
  return it == actions.end() ? nullptr : &*it;
}
// A pointer into a temporary dangles at the end of the statement: keep the actions in a variable.
const AaAction* find(std::vector<AaAction>&& actions, Kind kind) = delete;

inline bool has(const std::vector<AaAction>& actions, Kind kind) {
  return find(actions, kind) != nullptr;
}

inline std::vector<std::string> played(const std::vector<AaAction>& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions) {
    if (a.kind == Kind::Play) out.insert(out.end(), a.prompts.begin(), a.prompts.end());
  }
  return out;
}

}  // namespace callbackd::ivr

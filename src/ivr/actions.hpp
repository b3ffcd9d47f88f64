#pragma once
// Shorthands for the actions the attendant and its dialogues return, so that every step builds them alike.
#include <string>
#include <utility>
#include <vector>

#include "ivr/attendant.hpp"

namespace callbackd::ivr::actions {

inline AaAction simple(AaAction::Kind kind) {
  return {kind, {}, 0, {}, {}, {}, {}};
}
inline AaAction play(std::vector<std::string> prompts) {
  AaAction a = simple(AaAction::Kind::Play);
  a.prompts = std::move(prompts);
  return a;
}
inline AaAction arm(int ms) {
  AaAction a = simple(AaAction::Kind::ArmTimer);
  a.timer_ms = ms;
  return a;
}
inline void append(std::vector<AaAction>& to, std::vector<AaAction> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace callbackd::ivr::actions

#include "ivr/auto_attendant.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <iterator>
#include <utility>

namespace callbackd::ivr {
namespace {

AaAction play(std::vector<std::string> prompts) {
  return {AaAction::Kind::Play, std::move(prompts), 0};
}
AaAction arm(int ms) {
  return {AaAction::Kind::ArmTimer, {}, ms};
}
AaAction stop_playback() {
  return {AaAction::Kind::StopPlayback, {}, 0};
}
AaAction cancel_timer() {
  return {AaAction::Kind::CancelTimer, {}, 0};
}
AaAction hangup() {
  return {AaAction::Kind::Hangup, {}, 0};
}

// DTMF keys as the prompt catalog names them; 0 for anything that is not a key.
char normalize_key(char c) {
  if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '*' || c == '#') return c;
  if (c >= 'a' && c <= 'd') return static_cast<char>(c - 'a' + 'A');
  if (c >= 'A' && c <= 'D') return c;
  return 0;
}

std::string digit_prompt(char key) {
  switch (key) {
    case '*':
      return "digit-star";
    case '#':
      return "digit-pound";
    default:
      return std::string("digit-") + key;
  }
}

}  // namespace

std::string to_string(AaState s) {
  switch (s) {
    case AaState::Idle:
      return "Idle";
    case AaState::Greeting:
      return "Greeting";
    case AaState::Collecting:
      return "Collecting";
    case AaState::ReadingBack:
      return "ReadingBack";
    case AaState::Goodbye:
      return "Goodbye";
    case AaState::Done:
      return "Done";
  }
  return "Unknown";
}

std::vector<AaAction> AutoAttendant::handle(const AaEvent& ev) {
  AaEvent e = ev;
  if (e.kind == AaEvent::Kind::Digit) {
    e.digit = normalize_key(e.digit);
    if (e.digit == 0) return {};  // not a DTMF key: nothing a caller could have pressed
  }
  switch (state_) {
    case AaState::Idle:
      return on_idle(e);
    case AaState::Greeting:
      return on_greeting(e);
    case AaState::Collecting:
      return on_collecting(e);
    case AaState::ReadingBack:
      return on_reading_back(e);
    case AaState::Goodbye:
      return on_goodbye(e);
    case AaState::Done:
      break;
  }
  return {};
}

std::vector<AaAction> AutoAttendant::on_idle(const AaEvent& ev) {
  if (ev.kind != AaEvent::Kind::Start) return {};
  greetings_ = 0;
  return greet({"welcome"});
}

std::vector<AaAction> AutoAttendant::on_greeting(const AaEvent& ev) {
  switch (ev.kind) {
    case AaEvent::Kind::Digit:
      return start_entry(ev.digit);
    case AaEvent::Kind::Timeout:
      return idle_timeout();
    case AaEvent::Kind::Start:
    case AaEvent::Kind::PlaybackDone:  // the idle timer keeps running: the caller may still press a key
      break;
  }
  return {};
}

std::vector<AaAction> AutoAttendant::on_collecting(const AaEvent& ev) {
  switch (ev.kind) {
    case AaEvent::Kind::Digit:
      if (ev.digit == '#') return end_entry();
      if (collected_.size() < settings_.max_digits) collected_.push_back(ev.digit);
      return {arm(settings_.digit_timeout_ms)};
    case AaEvent::Kind::Timeout:
      return end_entry();
    case AaEvent::Kind::Start:
    case AaEvent::Kind::PlaybackDone:  // late completion of the prompt the first digit stopped
      break;
  }
  return {};
}

std::vector<AaAction> AutoAttendant::on_reading_back(const AaEvent& ev) {
  switch (ev.kind) {
    case AaEvent::Kind::Digit:
      return start_entry(ev.digit);
    case AaEvent::Kind::PlaybackDone:
      return greet({"welcome"});
    case AaEvent::Kind::Start:
    case AaEvent::Kind::Timeout:  // no timer runs while reading back: a stale one
      break;
  }
  return {};
}

std::vector<AaAction> AutoAttendant::on_goodbye(const AaEvent& ev) {
  switch (ev.kind) {
    case AaEvent::Kind::PlaybackDone:
      transition(AaState::Done);
      return {cancel_timer(), hangup()};
    case AaEvent::Kind::Timeout:
      transition(AaState::Done);
      return {hangup()};
    case AaEvent::Kind::Start:
    case AaEvent::Kind::Digit:  // too late: the caller is being let go
      break;
  }
  return {};
}

std::vector<AaAction> AutoAttendant::greet(std::vector<std::string> prompts) {
  transition(AaState::Greeting);
  return {play(std::move(prompts)), arm(settings_.idle_timeout_ms)};
}

std::vector<AaAction> AutoAttendant::start_entry(char digit) {
  greetings_ = 0;  // someone is there: the idle count starts over
  collected_.clear();
  transition(AaState::Collecting);
  Actions actions{stop_playback()};
  if (digit == '#') {
    auto rest = end_entry();
    actions.insert(actions.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return actions;
  }
  collected_.push_back(digit);
  actions.push_back(arm(settings_.digit_timeout_ms));
  return actions;
}

std::vector<AaAction> AutoAttendant::end_entry() {
  Actions actions{cancel_timer()};
  if (collected_.empty()) {
    auto rest = greet({"invalid", "welcome"});
    actions.insert(actions.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return actions;
  }
  std::vector<std::string> prompts{"you-entered"};
  for (char key : collected_) prompts.push_back(digit_prompt(key));
  entries_.push_back(std::move(collected_));
  collected_.clear();
  transition(AaState::ReadingBack);
  actions.push_back(play(std::move(prompts)));
  return actions;
}

std::vector<AaAction> AutoAttendant::idle_timeout() {
  ++greetings_;
  if (greetings_ < settings_.max_greetings) return greet({"welcome"});
  transition(AaState::Goodbye);
  // The timer is a safety net: if the end of the goodbye prompt is never reported, still hang up.
  return {play({"no-input", "goodbye"}), arm(settings_.idle_timeout_ms)};
}

void AutoAttendant::transition(AaState next) {
  if (next == state_) return;
  spdlog::debug("aa: {} -> {}", to_string(state_), to_string(next));
  state_ = next;
}

}  // namespace callbackd::ivr

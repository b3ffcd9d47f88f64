#include "ivr/attendant.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <cctype>
#include <utility>

#include "ivr/actions.hpp"
#include "ivr/remote_config.hpp"

namespace callbackd::ivr {
namespace {

using actions::append;
using actions::arm;
using actions::play;
using actions::simple;

// DTMF keys as the menus name them; 0 for anything that is not a key.
char normalize_key(char c) {
  if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '*' || c == '#') return c;
  if (c >= 'a' && c <= 'd') return static_cast<char>(c - 'a' + 'A');
  if (c >= 'A' && c <= 'D') return c;
  return 0;
}

// What the caller hears before being brought back to the menu, by how the call went.
std::vector<std::string> outcome_prompts(CallOutcome o) {
  switch (o) {
    case CallOutcome::Busy:
      return {"busy"};
    case CallOutcome::NoAnswer:
      return {"no-answer"};
    case CallOutcome::Failed:
      return {"call-failed"};
    case CallOutcome::Refused:
      return {"number-refused"};
    case CallOutcome::NotAllowed:
      return {"relay-not-allowed"};
    case CallOutcome::Unavailable:
      return {"not-available"};
    case CallOutcome::Connected:
    case CallOutcome::Ended:
      break;
  }
  return {};
}

}  // namespace

std::string_view to_string(AaPhase p) {
  constexpr std::array<std::string_view, 11> kNames{
      "Idle",     "Menu",       "LoginExtension", "LoginPassword", "Verifying", "Remote",
      "Applying", "Connecting", "Connected",      "Goodbye",       "Done"};
  return kNames.at(static_cast<std::size_t>(p));
}

Attendant::Attendant(std::shared_ptr<const Menu> menu, AaCaller caller)
    : menu_(std::move(menu)), caller_(std::move(caller)) {}

Attendant::~Attendant() = default;

std::vector<AaAction> Attendant::handle(const AaEvent& ev) {
  switch (ev.kind) {
    case AaEvent::Kind::Start:
      return phase_ == AaPhase::Idle ? on_start() : Actions{};
    case AaEvent::Kind::Digit:
      if (const char key = normalize_key(ev.digit); key != 0) return on_digit(key);
      return {};  // not a key a caller could have pressed
    case AaEvent::Kind::PlaybackDone:
      if (answering_) return answer_heard();
      // The goodbye ends the call; elsewhere the response timer keeps running: the caller may still press.
      if (phase_ == AaPhase::Goodbye) {
        transition(AaPhase::Done, state_);
        return {simple(AaAction::Kind::CancelTimer), simple(AaAction::Kind::Hangup)};
      }
      return {};
    case AaEvent::Kind::Timeout:
      return on_timeout();
    case AaEvent::Kind::LoginResult:
      return phase_ == AaPhase::Verifying ? on_login_result(ev) : Actions{};
    case AaEvent::Kind::CallResult:
      return on_call_result(ev.call);
    case AaEvent::Kind::RemoteResult:
      return phase_ == AaPhase::Applying ? follow(remote_->on_result(ev.remote)) : Actions{};
  }
  return {};
}

std::vector<AaAction> Attendant::on_start() {
  if (caller_.locked_out) return goodbye({"locked-out", "goodbye"});
  if (caller_.login_extension) {
    logged_in_ = caller_.login_extension;
    relay_allowed_ = caller_.relay_allowed;
  }
  return enter(caller_.auto_call_relay ? menu_->relay_start : menu_->start, {});
}

std::vector<AaAction> Attendant::on_digit(char key) {
  if (answering_ || discarding_) return discard(key);
  Actions actions;
  if (!barged_ &&
      (phase_ == AaPhase::Menu || phase_ == AaPhase::LoginExtension || phase_ == AaPhase::LoginPassword)) {
    barged_ = true;  // a digit barges in
    silences_ = 0;
    actions.push_back(simple(AaAction::Kind::StopPlayback));
  }
  switch (phase_) {
    case AaPhase::Menu:
      append(actions, menu_digit(key));
      break;
    case AaPhase::LoginExtension:
    case AaPhase::LoginPassword:
      append(actions, login_digit(key));
      break;
    case AaPhase::Connected:
      append(actions, connected_digit(key));
      break;
    case AaPhase::Remote:
    case AaPhase::Applying:
      append(actions, follow(remote_->on_digit(key)));
      break;
    default:
      break;  // while verifying, connecting or saying goodbye keys wait for nothing
  }
  return actions;
}

std::vector<AaAction> Attendant::menu_digit(char key) {
  if (key == '#') return end_entry();
  collected_.push_back(key);
  const MenuState* state = menu_->find(state_);
  bool longer_possible = false;
  for (const auto& o : state->options) {
    if (o.keys == collected_) return act(o.choice, {});
    if (o.keys.starts_with(collected_)) longer_possible = true;
  }
  if ((!longer_possible && !state->entry) || collected_.size() > menu_->max_digits) {
    collected_.clear();
    return enter(state_, {"invalid"});
  }
  return {arm(menu_->digit_timeout_ms)};
}

std::vector<AaAction> Attendant::login_digit(char key) {
  if (key == '#') return end_login_entry();
  if (collected_.size() < menu_->max_digits) collected_.push_back(key);
  return {arm(menu_->digit_timeout_ms)};
}

std::vector<AaAction> Attendant::connected_digit(char key) {
  // The far end hears every digit (the pbx passes them on); only the hang-up keys mean something here.
  collected_.push_back(key);
  if (!menu_->hangup_keys.starts_with(collected_)) {
    collected_ = key == menu_->hangup_keys.front() ? std::string(1, key) : std::string();
  }
  if (collected_ != menu_->hangup_keys) return {};
  collected_.clear();
  transition(AaPhase::Connecting, state_);
  return {simple(AaAction::Kind::HangupFar)};
}

std::vector<AaAction> Attendant::end_entry() {
  std::string digits = std::exchange(collected_, {});
  if (digits.empty()) return enter(state_, {"invalid"});
  last_entry_size_ = digits.size();
  const MenuState* state = menu_->find(state_);
  for (const auto& o : state->options) {
    if (o.keys == digits) return act(o.choice, {});
  }
  if (!state->entry) return enter(state_, {"invalid"});
  return act(*state->entry, digits);
}

std::vector<AaAction> Attendant::end_login_entry() {
  std::string digits = std::exchange(collected_, {});
  Actions actions{simple(AaAction::Kind::CancelTimer)};
  if (digits.empty()) {
    append(actions,
           phase_ == AaPhase::LoginExtension ? start_login({"invalid"}) : start_login({"login-failed"}));
    return actions;
  }
  if (phase_ == AaPhase::LoginExtension) {
    login_extension_ = std::move(digits);
    barged_ = false;
    transition(AaPhase::LoginPassword, state_);
    append(actions, {play({"login-password"}), arm(menu_->response_timeout_ms)});
    return actions;
  }
  transition(AaPhase::Verifying, state_);
  AaAction verify = simple(AaAction::Kind::VerifyLogin);
  verify.target = login_extension_;
  verify.secret = std::move(digits);
  actions.push_back(std::move(verify));
  return actions;
}

std::vector<AaAction> Attendant::on_timeout() {
  // The end of the answer was never reported, or the caller stopped keying the entry that was dropped.
  if (answering_ || discarding_) return enter(state_, {});
  switch (phase_) {
    case AaPhase::Menu:
      return collected_.empty() ? nothing_entered() : end_entry();
    case AaPhase::LoginExtension:
    case AaPhase::LoginPassword:
      return collected_.empty() ? nothing_entered() : end_login_entry();
    case AaPhase::Remote:
    case AaPhase::Applying:
      return follow(remote_->on_timeout());
    case AaPhase::Goodbye:  // the end of the goodbye was never reported: hang up all the same
      transition(AaPhase::Done, state_);
      return {simple(AaAction::Kind::Hangup)};
    default:
      return {};  // a stale timer
  }
}

// A key while the answer to a dialled entry plays, or of an entry begun then: dropped up to its '#', which
// says "invalid" so the caller knows to key the number again.
std::vector<AaAction> Attendant::discard(char key) {
  if (key == '#') {
    const bool entry_dropped = std::exchange(discarding_, false);
    if (answering_) return {};  // the end of what was keyed before the answer: nothing of it is left
    return entry_dropped ? enter(state_, {"invalid"}) : Actions{};
  }
  discarding_ = true;
  return answering_ ? Actions{} : Actions{arm(menu_->digit_timeout_ms)};
}

// The caller heard why the call did not happen: the step's prompt again, unless it is keying on, into an
// entry that is being dropped.
std::vector<AaAction> Attendant::answer_heard() {
  answering_ = false;
  if (discarding_) return {arm(menu_->digit_timeout_ms)};
  return enter(state_, {});
}

std::vector<AaAction> Attendant::nothing_entered() {
  if (++silences_ >= menu_->repeats) return goodbye({"no-input", "goodbye"});
  if (phase_ == AaPhase::Menu) return enter(state_, {});
  return start_login({});
}

std::vector<AaAction> Attendant::on_login_result(const AaEvent& ev) {
  switch (ev.login) {
    case LoginOutcome::Accepted: {
      logged_in_ = login_extension_;
      relay_allowed_ = ev.relay_allowed;
      if (remote_pending_) return remote_login_accepted(ev);
      if (!after_login_) return enter(state_, {});
      auto [choice, digits] = std::move(*std::exchange(after_login_, std::nullopt));
      return act(choice, digits);
    }
    case LoginOutcome::Rejected:
      return start_login({"login-failed"});
    case LoginOutcome::LockedOut:
      return goodbye({"locked-out", "goodbye"});
  }
  return {};
}

std::vector<AaAction> Attendant::on_call_result(CallOutcome outcome) {
  if (phase_ != AaPhase::Connecting && phase_ != AaPhase::Connected) return {};
  if (outcome == CallOutcome::Connected) {
    collected_.clear();
    transition(AaPhase::Connected, state_);
    return {};
  }
  auto answer = outcome_prompts(outcome);
  if (answer.empty()) return enter(return_state_, {});
  // Said on its own, so that keys until its end can be told from the caller's next entry.
  transition(AaPhase::Menu, return_state_);
  collected_.clear();
  barged_ = false;
  answering_ = true;
  return {simple(AaAction::Kind::CancelTimer), play(std::move(answer)), arm(menu_->response_timeout_ms)};
}

std::vector<AaAction> Attendant::enter(const std::string& state, std::vector<std::string> lead) {
  const MenuState* s = menu_->find(state);
  if (s == nullptr) return goodbye({"goodbye"});  // validate_menu() keeps this from happening
  transition(AaPhase::Menu, state);
  collected_.clear();
  barged_ = false;
  answering_ = false;
  discarding_ = false;
  lead.insert(lead.end(), s->prompts.begin(), s->prompts.end());
  return {simple(AaAction::Kind::CancelTimer), play(std::move(lead)), arm(menu_->response_timeout_ms)};
}

std::vector<AaAction> Attendant::act(const MenuChoice& choice, const std::string& digits) {
  // *6 and *5 always ask for their own login, whoever is logged in already.
  if (const auto feature = remote_feature(choice)) return start_remote(*feature);
  if (choice.needs_login && !logged_in_) {
    after_login_ = {choice, digits};
    return start_login({});
  }
  if (choice.needs_relay && !relay_allowed_) return enter(menu_->start, {"relay-not-allowed"});
  return perform(choice, digits);
}

std::vector<AaAction> Attendant::perform(const MenuChoice& choice, const std::string& digits) {
  switch (choice.action) {
    case MenuAction::Goto:
      return enter(choice.target, {});
    case MenuAction::Extension:
      return connect(MenuAction::Extension, choice.target.empty() ? digits : choice.target);
    case MenuAction::Dial:
      return connect(MenuAction::Dial, digits);
    case MenuAction::Feature:
      return connect(MenuAction::Feature, choice.target);
    case MenuAction::Operator:
      return connect(MenuAction::Operator, {});
    case MenuAction::Hangup:
      return goodbye({"goodbye"});
  }
  return {};
}

std::vector<AaAction> Attendant::connect(MenuAction kind, std::string target) {
  return_state_ = state_;
  transition(AaPhase::Connecting, state_);
  AaAction c = simple(AaAction::Kind::Connect);
  c.connect = kind;
  c.target = std::move(target);
  return {simple(AaAction::Kind::CancelTimer), simple(AaAction::Kind::StopPlayback), std::move(c)};
}

std::vector<AaAction> Attendant::start_remote(RemoteFeature feature) {
  if (!caller_.remote_offered) return enter(state_, {"remote-unavailable"});
  after_login_.reset();
  remote_pending_ = feature;
  return start_login({});
}

std::vector<AaAction> Attendant::remote_login_accepted(const AaEvent& ev) {
  const RemoteFeature feature = *std::exchange(remote_pending_, std::nullopt);
  if (!ev.remote_allowed) return enter(state_, {"remote-not-allowed"});
  remote_ = std::make_unique<RemoteDialogue>(feature, login_extension_, menu_);
  return follow(remote_->start());
}

// The dialogue's step is the attendant's state while it runs, so the pbx logs every step as a transition.
std::vector<AaAction> Attendant::follow(RemoteReply reply) {
  if (remote_->last_entry_size() != 0) last_entry_size_ = remote_->last_entry_size();
  transition(remote_->step() == RemoteStep::Applying ? AaPhase::Applying : AaPhase::Remote, remote_->label());
  if (reply.farewell) append(reply.actions, goodbye(std::move(*reply.farewell)));
  return std::move(reply.actions);
}

std::vector<AaAction> Attendant::start_login(std::vector<std::string> lead) {
  transition(AaPhase::LoginExtension, state_);
  collected_.clear();
  barged_ = false;
  lead.emplace_back("login-extension");
  return {simple(AaAction::Kind::CancelTimer), play(std::move(lead)), arm(menu_->response_timeout_ms)};
}

std::vector<AaAction> Attendant::goodbye(std::vector<std::string> prompts) {
  transition(AaPhase::Goodbye, state_);
  // The timer is a safety net: if the end of the goodbye is never reported, still hang up.
  return {simple(AaAction::Kind::StopPlayback), play(std::move(prompts)), arm(menu_->response_timeout_ms)};
}

void Attendant::transition(AaPhase next, const std::string& state) {
  if (next == phase_ && state == state_) return;
  spdlog::debug("attendant: {}/{} -> {}/{}", state_, to_string(phase_), state, to_string(next));
  phase_ = next;
  state_ = state;
}

}  // namespace callbackd::ivr

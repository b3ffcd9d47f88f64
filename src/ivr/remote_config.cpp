#include "ivr/remote_config.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <utility>

#include "ivr/actions.hpp"

namespace callbackd::ivr {
namespace {

using actions::append;
using actions::arm;
using actions::play;
using actions::simple;

bool is_digit(char key) {
  return key >= '0' && key <= '9';
}

void read_back(const std::string& digits, std::vector<std::string>& out) {
  for (char d : digits) out.push_back(std::string("digit-") + d);
}

// One prompt per outcome, so that the caller knows what became of the request before it is let go.
std::string outcome_prompt(RemoteOutcome o) {
  switch (o) {
    case RemoteOutcome::Scheduled:
      return "remote-scheduled";
    case RemoteOutcome::SavedNoCallback:
      return "remote-saved";
    case RemoteOutcome::Refused:
      return "remote-refused";
    case RemoteOutcome::NoEntry:
      return "remote-no-entry";
    case RemoteOutcome::EntryExists:
      return "remote-entry-exists";
    case RemoteOutcome::NoLine:
      return "remote-no-line";
    case RemoteOutcome::Failed:
      break;
  }
  return "remote-failed";
}

}  // namespace

std::optional<RemoteFeature> remote_feature(const MenuChoice& choice) {
  if (choice.action != MenuAction::Feature) return std::nullopt;
  if (choice.target == "6") return RemoteFeature::Permanent;
  if (choice.target == "5") return RemoteFeature::OneTime;
  return std::nullopt;
}

std::vector<std::string> remote_prompts() {
  std::vector<std::string> names{"remote-unavailable",
                                 "remote-not-allowed",
                                 "remote-choose",
                                 "remote-new-caller",
                                 "remote-change-caller",
                                 "remote-destination",
                                 "remote-onetime-destination",
                                 "remote-own-number",
                                 "remote-confirm",
                                 "you-entered"};
  for (RemoteOutcome o :
       {RemoteOutcome::Scheduled, RemoteOutcome::SavedNoCallback, RemoteOutcome::Refused,
        RemoteOutcome::NoEntry, RemoteOutcome::EntryExists, RemoteOutcome::NoLine, RemoteOutcome::Failed}) {
    names.push_back(outcome_prompt(o));
  }
  read_back("0123456789", names);
  return names;
}

std::string_view to_string(RemoteStep s) {
  constexpr std::array<std::string_view, 7> kNames{
      "choose", "entry-number", "confirm-entry", "destination", "confirm-destination", "applying", "over"};
  return kNames.at(static_cast<std::size_t>(s));
}

RemoteDialogue::RemoteDialogue(RemoteFeature feature, std::string extension, std::shared_ptr<const Menu> menu)
    : feature_(feature),
      kind_(feature == RemoteFeature::OneTime ? RemoteKind::OneTime : RemoteKind::AddEntry),
      extension_(std::move(extension)),
      menu_(std::move(menu)) {}

RemoteDialogue::Reply RemoteDialogue::start() {
  return enter(feature_ == RemoteFeature::Permanent ? RemoteStep::Choose : RemoteStep::Destination, {});
}

std::string RemoteDialogue::label() const {
  return std::string(feature_ == RemoteFeature::Permanent ? "*6 " : "*5 ") + std::string(to_string(step_));
}

RemoteDialogue::Reply RemoteDialogue::on_digit(char key) {
  if (step_ == RemoteStep::Applying || step_ == RemoteStep::Over) return {};  // nothing is asked now
  Reply r;
  if (!barged_) {
    barged_ = true;  // a digit barges in
    r.actions.push_back(simple(AaAction::Kind::StopPlayback));
  }
  silences_ = 0;
  Reply next;
  switch (step_) {
    case RemoteStep::Choose:
      next = choose_key(key);
      break;
    case RemoteStep::EntryNumber:
    case RemoteStep::Destination:
      next = entry_key(key);
      break;
    default:
      next = confirm_key(key);
      break;
  }
  append(r.actions, std::move(next.actions));
  r.farewell = std::move(next.farewell);
  return r;
}

RemoteDialogue::Reply RemoteDialogue::choose_key(char key) {
  if (key == '1') kind_ = RemoteKind::AddEntry;
  if (key == '2') kind_ = RemoteKind::ChangeDestination;
  if (key == '1' || key == '2') return enter(RemoteStep::EntryNumber, {});
  return enter(RemoteStep::Choose, {"invalid"});
}

RemoteDialogue::Reply RemoteDialogue::entry_key(char key) {
  if (key == '#') return end_entry();
  // Numbers are digits only; a longer entry than any the menu takes is a mistake, said at once.
  if (!is_digit(key) || collected_.size() >= menu_->max_digits) return enter(step_, {"invalid"});
  collected_.push_back(key);
  return {{arm(menu_->digit_timeout_ms)}, std::nullopt};
}

RemoteDialogue::Reply RemoteDialogue::end_entry() {
  std::string digits = std::exchange(collected_, {});
  last_entry_size_ = digits.size();
  if (step_ == RemoteStep::EntryNumber) {
    // '#' alone names the calling phone's own entry, which only a change can mean: a new caller needs a
    // number.
    if (digits.empty() && kind_ == RemoteKind::AddEntry) return enter(step_, {"invalid"});
    entry_ = std::move(digits);
    return enter(entry_.empty() ? RemoteStep::Destination : RemoteStep::ConfirmEntry, {});
  }
  // '#' alone is the entry's own number; a one-time callback has no entry, so it needs a number.
  if (digits.empty() && feature_ == RemoteFeature::OneTime) return enter(step_, {"invalid"});
  destination_ = std::move(digits);
  return enter(RemoteStep::ConfirmDestination, {});
}

RemoteDialogue::Reply RemoteDialogue::confirm_key(char key) {
  const bool entry = step_ == RemoteStep::ConfirmEntry;
  if (key == '1') return entry ? enter(RemoteStep::Destination, {}) : apply();
  if (key == '2') return enter(entry ? RemoteStep::EntryNumber : RemoteStep::Destination, {});
  return enter(step_, {"invalid"});
}

RemoteDialogue::Reply RemoteDialogue::apply() {
  go(RemoteStep::Applying);
  AaAction a = simple(AaAction::Kind::ApplyRemote);
  a.remote = {kind_, extension_, feature_ == RemoteFeature::OneTime ? std::string() : entry_, destination_};
  // No prompt runs out into a timeout here: the only timer is the safety net for an answer that never comes.
  return {{simple(AaAction::Kind::CancelTimer), std::move(a), arm(kApplyTimeoutMs)}, std::nullopt};
}

RemoteDialogue::Reply RemoteDialogue::on_timeout() {
  switch (step_) {
    case RemoteStep::Applying:
      go(RemoteStep::Over);
      return {{}, std::vector<std::string>{"remote-failed", "goodbye"}};
    case RemoteStep::Over:
      return {};
    case RemoteStep::EntryNumber:
    case RemoteStep::Destination:
      if (!collected_.empty()) return end_entry();  // the digit timeout ends an entry like '#'
      return silence();
    default:
      return silence();
  }
}

RemoteDialogue::Reply RemoteDialogue::silence() {
  if (++silences_ >= menu_->repeats) {
    go(RemoteStep::Over);
    return {{}, std::vector<std::string>{"no-input", "goodbye"}};
  }
  return enter(step_, {});
}

RemoteDialogue::Reply RemoteDialogue::on_result(RemoteOutcome outcome) {
  if (step_ != RemoteStep::Applying) return {};  // late, after the safety timeout said it failed
  go(RemoteStep::Over);
  return {{}, std::vector<std::string>{outcome_prompt(outcome), "goodbye"}};
}

RemoteDialogue::Reply RemoteDialogue::enter(RemoteStep step, std::vector<std::string> lead) {
  go(step);
  collected_.clear();
  barged_ = false;
  auto prompts = prompts_of(step);
  lead.insert(lead.end(), prompts.begin(), prompts.end());
  return {{simple(AaAction::Kind::CancelTimer), play(std::move(lead)), arm(menu_->response_timeout_ms)},
          std::nullopt};
}

std::vector<std::string> RemoteDialogue::prompts_of(RemoteStep step) const {
  const bool permanent = feature_ == RemoteFeature::Permanent;
  std::vector<std::string> out;
  switch (step) {
    case RemoteStep::Choose:
      return {"remote-choose"};
    case RemoteStep::EntryNumber:
      return {kind_ == RemoteKind::AddEntry ? "remote-new-caller" : "remote-change-caller"};
    case RemoteStep::Destination:
      return {permanent ? "remote-destination" : "remote-onetime-destination"};
    case RemoteStep::ConfirmEntry:
      out.emplace_back("you-entered");
      read_back(entry_, out);
      break;
    case RemoteStep::ConfirmDestination:
      if (destination_.empty()) {
        out.emplace_back("remote-own-number");  // and the entry's number, when the caller typed it
      } else {
        out.emplace_back("you-entered");
      }
      read_back(destination_.empty() ? entry_ : destination_, out);
      break;
    case RemoteStep::Applying:
    case RemoteStep::Over:
      return {};
  }
  out.emplace_back("remote-confirm");
  return out;
}

void RemoteDialogue::go(RemoteStep next) {
  if (next == step_) return;
  spdlog::debug("attendant remote: {} -> {}", label(), to_string(next));
  step_ = next;
}

}  // namespace callbackd::ivr

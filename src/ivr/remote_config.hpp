#pragma once
// The caller's side of Remote Call Back Configuration (`*6` permanent, `*5` one-time), after the login: the
// numbers the caller types, each read back digit by digit and confirmed (`1` accept, `2` enter again), then
// one ApplyRemote action and the outcome's prompt. The Attendant owns it while the dialogue runs and turns
// its farewell into the goodbye; the pbx does what the request asks (contract.md, "Phone interface").
//
//   *6: Choose --1--> EntryNumber(add) --digits #--> ConfirmEntry --1--> Destination
//       Choose --2--> EntryNumber(change) --digits #--> ConfirmEntry --1--> Destination
//                     EntryNumber(change) --# alone (this phone's entry)--> Destination
//   *5: Destination (digits required)
//   Destination --digits # / # alone (*6: the entry's own number)--> ConfirmDestination --1--> Applying
//   Confirm* --2--> the entry again;  Applying --RemoteResult--> Over (the outcome's prompt, goodbye)
//   any step: a wrong key -> "invalid", the step again; silence -> the step again, the repeats-th -> Over
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ivr/attendant.hpp"

namespace callbackd::ivr {

enum class RemoteFeature { Permanent, OneTime };  // *6, *5
enum class RemoteStep { Choose, EntryNumber, ConfirmEntry, Destination, ConfirmDestination, Applying, Over };

// The feature a menu choice names: Feature "6" or "5"; nothing for every other choice.
std::optional<RemoteFeature> remote_feature(const MenuChoice& choice);
// Every prompt the dialogue and the attendant's remote steps may play, for the start-up check.
std::vector<std::string> remote_prompts();
std::string_view to_string(RemoteStep s);

// What a step of the dialogue answers to an event.
struct RemoteReply {
  std::vector<AaAction> actions;
  std::optional<std::vector<std::string>> farewell;  // set: the dialogue is over, say these and hang up
};

class RemoteDialogue {
 public:
  using Reply = RemoteReply;
  // How long the attendant waits for the pbx's RemoteResult before it tells the caller that it failed: the
  // store and the line choice answer in milliseconds, so this only catches an answer that never comes.
  static constexpr int kApplyTimeoutMs = 20000;

  RemoteDialogue(RemoteFeature feature, std::string extension, std::shared_ptr<const Menu> menu);

  Reply start();
  Reply on_digit(char key);
  Reply on_timeout();
  Reply on_result(RemoteOutcome outcome);

  RemoteStep step() const { return step_; }
  // "*6 entry-number": what the attendant shows as its state while the dialogue runs.
  std::string label() const;
  std::size_t last_entry_size() const { return last_entry_size_; }

 private:
  Reply enter(RemoteStep step, std::vector<std::string> lead);
  Reply entry_key(char key);
  Reply end_entry();
  Reply confirm_key(char key);
  Reply choose_key(char key);
  Reply apply();
  Reply silence();
  std::vector<std::string> prompts_of(RemoteStep step) const;
  void go(RemoteStep next);

  RemoteFeature feature_;
  RemoteKind kind_;
  std::string extension_;
  std::shared_ptr<const Menu> menu_;
  RemoteStep step_ = RemoteStep::Choose;
  std::string collected_;
  std::string entry_;        // the entry's number as accepted; empty: the calling phone's own entry
  std::string destination_;  // as accepted; empty: the entry's own number
  bool barged_ = false;      // a key stopped the prompts of the current step
  int silences_ = 0;         // response timeouts in a row
  std::size_t last_entry_size_ = 0;
};

}  // namespace callbackd::ivr

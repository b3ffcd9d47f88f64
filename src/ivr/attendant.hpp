#pragma once
// The Auto Attendant: an interpreter of a Menu (menu.hpp) that knows nothing of SIP or RTP. It takes events
// (started, a digit, a prompt finished, a timer fired, the answer to a login or a call it asked for) and
// returns actions (play, arm a timer, verify this login, connect this call, hang up). The pbx layer carries
// the actions out and answers with events. Passwords pass through it once, in a VerifyLogin action, and are
// never kept, logged or read back.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ivr/menu.hpp"

namespace callbackd::ivr {

// How a call the attendant asked for (an extension, a relayed call, a feature) went.
enum class CallOutcome { Connected, Ended, Busy, NoAnswer, Failed, Refused, NotAllowed, Unavailable };
enum class LoginOutcome { Accepted, Rejected, LockedOut };

// Remote Call Back Configuration (*6 permanent, *5 one-time), asked of the pbx once the caller has logged in
// and confirmed every number it typed. The pbx checks the policy, writes the entry (and its audit row) and
// schedules the callback; the attendant only speaks the outcome and says goodbye.
enum class RemoteKind { AddEntry, ChangeDestination, OneTime };
struct RemoteRequest {
  RemoteKind kind = RemoteKind::OneTime;
  std::string extension;     // the extension the caller logged in as
  std::string entry_number;  // AddEntry, ChangeDestination: the entry's number as typed; empty: the calling
                             // phone's own entry
  std::string destination;   // as typed; empty: the entry's own number
};
// What the pbx made of a RemoteRequest; each has its own prompt before the goodbye.
enum class RemoteOutcome {
  Scheduled,        // saved (or, for OneTime, only the job) and the callback is on its way
  SavedNoCallback,  // saved, but the calling phone is not the entry's address: no callback now
  Refused,          // the destination is not allowed (toll policy or the remote allow list)
  NoEntry,          // ChangeDestination: no entry has that number
  EntryExists,      // AddEntry: an entry has that number already
  NoLine,           // no line can place the callback
  Failed,           // the store could not take it
};

struct AaEvent {
  enum class Kind { Start, Digit, PlaybackDone, Timeout, LoginResult, CallResult, RemoteResult };
  Kind kind = Kind::Start;
  char digit = 0;
  LoginOutcome login = LoginOutcome::Rejected;
  bool relay_allowed = false;  // LoginResult Accepted: the extension has allow_call_relay
  CallOutcome call = CallOutcome::Ended;
  // LoginResult Accepted: the extension may configure call back by phone (it is the login extension of the
  // caller's entry, or it has remote_callback)
  bool remote_allowed = false;
  RemoteOutcome remote = RemoteOutcome::Failed;  // RemoteResult
};

struct AaAction {
  enum class Kind {
    Play,
    StopPlayback,
    ArmTimer,
    CancelTimer,
    Hangup,
    VerifyLogin,
    Connect,
    HangupFar,
    ApplyRemote
  };
  Kind kind = Kind::Play;
  std::vector<std::string> prompts;            // Play: catalog keys without language
  int timer_ms = 0;                            // ArmTimer
  MenuAction connect = MenuAction::Extension;  // Connect: Extension, Dial, Operator or Feature
  std::string target;    // Connect: the extension, number or feature code; VerifyLogin: the extension
  std::string secret;    // VerifyLogin: the password as typed
  RemoteRequest remote;  // ApplyRemote
};

// Who the caller is when the attendant answers: a trusted caller's entry may log it in at once.
struct AaCaller {
  std::optional<std::string> login_extension;
  bool relay_allowed = false;  // the login extension has allow_call_relay
  bool auto_call_relay = false;
  bool locked_out = false;  // the caller number is locked out of the attendant
  // *5 and *6 are offered: the caller has an entry in the Authorized Phones Database (the callback's, or
  // the one its caller ID names) and that entry has auto_call_relay off (the seed's note)
  bool remote_offered = false;
};

enum class AaPhase {
  Idle,
  Menu,
  LoginExtension,
  LoginPassword,
  Verifying,
  Remote,    // *6 / *5 after the login: the numbers of the request, read back and confirmed
  Applying,  // the request is with the pbx; its RemoteResult ends the call
  Connecting,
  Connected,
  Goodbye,
  Done
};

class RemoteDialogue;  // remote_config.hpp
struct RemoteReply;
enum class RemoteFeature;

class Attendant {
 public:
  Attendant(std::shared_ptr<const Menu> menu, AaCaller caller);
  ~Attendant();
  Attendant(const Attendant&) = delete;
  Attendant& operator=(const Attendant&) = delete;
  std::vector<AaAction> handle(const AaEvent& ev);

  AaPhase phase() const { return phase_; }
  const std::string& state() const { return state_; }
  const std::optional<std::string>& logged_in() const { return logged_in_; }
  // The caller's last complete entry, for the caller's log line ("entry of 3 keys"); never a password.
  std::size_t last_entry_size() const { return last_entry_size_; }

 private:
  using Actions = std::vector<AaAction>;
  Actions on_start();
  Actions on_digit(char key);
  Actions on_timeout();
  Actions on_login_result(const AaEvent& ev);
  Actions on_call_result(CallOutcome outcome);
  Actions on_remote_result(RemoteOutcome outcome);
  Actions menu_digit(char key);
  Actions login_digit(char key);
  Actions connected_digit(char key);
  Actions end_entry();
  Actions end_login_entry();
  Actions enter(const std::string& state, std::vector<std::string> lead);
  Actions act(const MenuChoice& choice, const std::string& digits);
  Actions perform(const MenuChoice& choice, const std::string& digits);
  Actions connect(MenuAction kind, std::string target);
  Actions start_login(std::vector<std::string> lead);
  Actions goodbye(std::vector<std::string> prompts);
  Actions discard(char key);
  Actions answer_heard();
  Actions nothing_entered();
  Actions start_remote(RemoteFeature feature);
  Actions remote_login_accepted(const AaEvent& ev);
  Actions follow(RemoteReply reply);
  void transition(AaPhase next, const std::string& state);

  std::shared_ptr<const Menu> menu_;
  AaCaller caller_;
  AaPhase phase_ = AaPhase::Idle;
  std::string state_;
  std::string collected_;
  bool barged_ = false;  // a key stopped the prompts of the current step
  // A dialled entry came back refused (or busy, ...): keys until the caller has heard why belong to that
  // entry ('#' ended the number) and are dropped, never read as the next number.
  bool answering_ = false;
  // A key was dropped so: the entry it began is dropped to its '#' (or the digit timeout), never read from
  // the middle as another number.
  bool discarding_ = false;
  int silences_ = 0;  // response timeouts in a row
  std::optional<std::string> logged_in_;
  bool relay_allowed_ = false;
  std::string login_extension_;  // typed, waiting for its password
  std::optional<std::pair<MenuChoice, std::string>> after_login_;
  std::string return_state_;                     // where a finished call brings the caller back
  std::optional<RemoteFeature> remote_pending_;  // *6 / *5 chosen, waiting for its login
  std::unique_ptr<RemoteDialogue> remote_;       // the *6 / *5 dialogue after its login
  std::size_t last_entry_size_ = 0;
};

std::string_view to_string(AaPhase p);

}  // namespace callbackd::ivr

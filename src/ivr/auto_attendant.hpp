#pragma once
// The Auto Attendant as a state machine that knows nothing of SIP or RTP: it takes events (started, a digit,
// a prompt finished, a timer fired) and returns actions (play these prompts, arm a timer, hang up). The pbx
// layer carries the actions out. Menus grow here as data (roadmap step 2).
#include <string>
#include <vector>

namespace callbackd::ivr {

enum class AaState { Idle, Greeting, Collecting, ReadingBack, Goodbye, Done };

struct AaEvent {
  enum class Kind { Start, Digit, PlaybackDone, Timeout };
  Kind kind = Kind::Start;
  char digit = 0;
};

struct AaAction {
  enum class Kind { Play, StopPlayback, ArmTimer, CancelTimer, Hangup };
  Kind kind = Kind::Play;
  std::vector<std::string> prompts;  // catalog keys without language, e.g. "welcome", "digit-5"
  int timer_ms = 0;
};

struct AaSettings {
  int digit_timeout_ms = 4000;  // inter-digit timeout ends an entry, like '#'
  int idle_timeout_ms = 15000;  // no input at all: prompt again
  int max_greetings = 3;        // then goodbye and hang up
  std::size_t max_digits = 20;
};

class AutoAttendant {
 public:
  explicit AutoAttendant(AaSettings s = {}) : settings_(s) {}
  std::vector<AaAction> handle(const AaEvent& ev);
  AaState state() const { return state_; }
  const std::string& collected() const { return collected_; }
  // Every entry completed so far (the digits the caller entered, in order); read back to prove the path.
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  using Actions = std::vector<AaAction>;
  // One handler per state; handle() dispatches on state_.
  Actions on_idle(const AaEvent& ev);
  Actions on_greeting(const AaEvent& ev);
  Actions on_collecting(const AaEvent& ev);
  Actions on_reading_back(const AaEvent& ev);
  Actions on_goodbye(const AaEvent& ev);
  // Shared steps of the handlers above.
  Actions greet(std::vector<std::string> prompts);
  Actions start_entry(char digit);
  Actions end_entry();
  Actions idle_timeout();
  void transition(AaState next);

  AaSettings settings_;
  AaState state_ = AaState::Idle;
  std::string collected_;
  std::vector<std::string> entries_;
  int greetings_ = 0;
};

std::string to_string(AaState s);

}  // namespace callbackd::ivr

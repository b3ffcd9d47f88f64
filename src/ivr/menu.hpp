#pragma once
// The Auto Attendant's menus as data: named states, each with the prompts it plays, the key sequences it acts
// on and what any other entry does. default_menu() is the contract's menu; an admin replaces it with a file
// (app/menu_file.cpp reads it into these structs, validate_menu() checks it). The interpreter is
// attendant.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callbackd::ivr {

// What a chosen option or an entry does.
enum class MenuAction {
  Goto,       // go to the state named `target`
  Extension,  // ring an extension: `target`, or the digits entered when it is empty
  Dial,       // Call Relay: place a call to the digits entered (the policy decides what may be dialled)
  Feature,    // a feature code handled outside the menu (`target`: "5", "6")
  Operator,   // ring the operator extension (attendant.operator_extension)
  Hangup,     // goodbye
};

struct MenuChoice {
  MenuAction action = MenuAction::Goto;
  std::string target;
  bool needs_login = false;  // ask for the login first, unless the caller is logged in already
  bool needs_relay = false;  // the logged-in extension must be allowed Call Relay
};

struct MenuOption {
  std::string keys;  // an exact key sequence ("*8", "0"), acted on as soon as it is complete
  MenuChoice choice;
};

struct MenuState {
  std::string name;
  std::vector<std::string> prompts;  // prompt catalog keys, played on entering the state and on repeats
  std::vector<MenuOption> options;
  std::optional<MenuChoice> entry;  // any other entry ended by '#' or the digit timeout; none: invalid
};

struct Menu {
  std::string start = "main";
  std::string relay_start = "relay";  // where a caller with auto_call_relay starts
  std::vector<MenuState> states;
  int digit_timeout_ms = 5000;      // attendant.digit_timeout_s: ends an entry like '#'
  int response_timeout_ms = 10000;  // attendant.response_timeout_s: no key at all, the prompts again
  int repeats = 3;                  // attendant.greeting_repeats: then goodbye
  std::size_t max_digits = 32;      // a longer entry is invalid
  std::string hangup_keys =
      "**";  // during a relayed call: hang up the far leg, back to the Call Relay prompt

  const MenuState* find(std::string_view name) const;
};

// The menu of the contract ("Phone interface"): main (extension #, *8, *5, *6, 0) and relay (destination #).
Menu default_menu();
// Every problem of a menu (unknown targets, empty or duplicate keys, options shadowing each other), one line
// each; empty when the menu can run.
std::vector<std::string> validate_menu(const Menu& menu);

std::string_view to_string(MenuAction a);
std::optional<MenuAction> menu_action_from(std::string_view text);

}  // namespace callbackd::ivr

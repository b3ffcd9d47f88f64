#pragma once
// An admin's Auto Attendant menu, read from the TOML file `attendant.menu_file` names (format in
// docs/configuration.md, "Menus"). Without one the attendant runs ivr::default_menu().
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "app/config.hpp"
#include "ivr/menu.hpp"

namespace callbackd::app {

// The menu, or every problem found (TOML syntax, unknown keys, what ivr::validate_menu() refuses).
std::variant<ivr::Menu, std::vector<std::string>> load_menu_file(const std::string& path);
std::variant<ivr::Menu, std::vector<std::string>> parse_menu(const std::string& toml_text);
// The menu the attendant runs: the file's, or the built-in one, with [attendant]'s timing.
std::variant<std::shared_ptr<const ivr::Menu>, std::vector<std::string>> attendant_menu(
    const AttendantConfig& config);
// The prompts a menu plays, its own and the attendant's fixed ones (login, outcomes, goodbye).
std::vector<std::string> menu_prompts(const ivr::Menu& menu);

}  // namespace callbackd::app

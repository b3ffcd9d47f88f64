// callbackd: SIP call-back and call-relay server. See README.md and docs/.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "app/config.hpp"
#include "app/create_admin.hpp"
#include "app/logging.hpp"
#include "app/server.hpp"
#include "store/store.hpp"

namespace {

int check_config(const std::string& path) {
  auto result = callbackd::app::load_config(path);
  if (const auto* errors = std::get_if<std::vector<callbackd::app::ConfigError>>(&result)) {
    for (const auto& e : *errors) std::cerr << path << ": " << e.key << ": " << e.message << "\n";
    return 2;
  }
  std::cout << path << ": configuration OK\n";
  return 0;
}

int serve(const std::string& path) {
  auto result = callbackd::app::load_config(path, callbackd::app::ConfigChecks::KeysOnly);
  if (const auto* errors = std::get_if<std::vector<callbackd::app::ConfigError>>(&result)) {
    for (const auto& e : *errors) std::cerr << path << ": " << e.key << ": " << e.message << "\n";
    return 2;
  }
  const auto& config = std::get<callbackd::app::Config>(result);
  callbackd::app::setup_logging(callbackd::app::detect_log_target(), config.log_level);
  // What the keys allow but the machine does not (ports, prompts): a start-up failure like a taken port.
  const auto problems = callbackd::app::check_config(config);
  for (const auto& e : problems)
    spdlog::critical("callbackd: cannot start: {}: {}: {}", path, e.key, e.message);
  if (!problems.empty()) return 1;
  try {
    return callbackd::app::run_server(config, path);
  } catch (const callbackd::store::StoreError& e) {
    spdlog::critical("callbackd: cannot start: database {} (store.sqlite): {}", config.store.sqlite,
                     e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    spdlog::critical("callbackd: cannot start: database {} (store.sqlite): {}", config.store.sqlite,
                     e.code().message());
  } catch (const std::exception& e) {
    spdlog::critical("callbackd: {}", e.what());
  }
  return 1;
}

int create_admin(const std::string& path, const std::string& name) {
  auto result = callbackd::app::load_config(path, callbackd::app::ConfigChecks::KeysOnly);
  if (const auto* errors = std::get_if<std::vector<callbackd::app::ConfigError>>(&result)) {
    for (const auto& e : *errors) std::cerr << path << ": " << e.key << ": " << e.message << "\n";
    return 2;
  }
  return callbackd::app::create_admin(std::get<callbackd::app::Config>(result), name, std::cin, std::cerr);
}

int run(int argc, char** argv) {
  CLI::App app{"callbackd: SIP call-back and call-relay server"};
  std::string config_path;
  std::string check_path;
  auto* run_opt = app.add_option("--config", config_path, "run the server with this TOML configuration");
  auto* check_opt = app.add_option("--check-config", check_path, "validate a configuration and exit");
  std::string admin_name;
  auto* admin_opt = app.add_option("--create-admin", admin_name,
                                   "create a web admin (password from standard input) and exit");
  run_opt->excludes(check_opt);
  admin_opt->needs(run_opt);
  app.set_version_flag("--version", "callbackd 0.1.0");
  CLI11_PARSE(app, argc, argv);
  if (!check_path.empty()) return check_config(check_path);
  if (!admin_name.empty()) return create_admin(config_path, admin_name);
  if (config_path.empty()) {
    std::cerr << app.help();
    return 2;
  }
  return serve(config_path);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "callbackd: " << e.what() << "\n";
    return 1;
  }
}

// Checks across keys, and against the files a configuration names: what parses but cannot start, or can
// never make a callback. Each error names every key involved.
#include <arpa/inet.h>

#include <filesystem>

#include "app/config.hpp"
#include "app/menu_file.hpp"

#ifndef CALLBACKD_DEFAULT_PROMPTS_DIR
#define CALLBACKD_DEFAULT_PROMPTS_DIR "/usr/share/callbackd/prompts"
#endif

namespace callbackd::app {
namespace {

bool is_wildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::";
}

// Two sockets on these addresses and the same port would collide.
bool same_socket(const HostPort& a, const HostPort& b) {
  return a.port == b.port && (a.host == b.host || is_wildcard(a.host) || is_wildcard(b.host));
}

void check_ports(const Config& c, std::vector<ConfigError>& errors) {
  // SIP listens on TCP as well as UDP, so the web server cannot share its port.
  if (same_socket(c.web.listen, c.sip.listen)) {
    errors.push_back({"web.listen, sip.listen", "both use port " + std::to_string(c.sip.listen.port) +
                                                    " (SIP listens on TCP too): give each its own port"});
  }
  const auto sip = c.sip.listen.port;
  if (sip >= c.media.port_min && sip <= c.media.port_max &&
      (c.media.address == c.sip.listen.host || is_wildcard(c.media.address) ||
       is_wildcard(c.sip.listen.host))) {
    errors.push_back({"media.rtp_ports, sip.listen", "the RTP range " + std::to_string(c.media.port_min) +
                                                         "-" + std::to_string(c.media.port_max) +
                                                         " holds the SIP port " + std::to_string(sip) +
                                                         ": move one out of the other"});
  }
}

void check_registrar(const Config& c, std::vector<ConfigError>& errors) {
  if (c.sip.min_expires_s > c.sip.max_expires_s) {
    errors.push_back({"sip.min_expires_s, sip.max_expires_s",
                      "the minimum registration time is above the maximum: no phone could register"});
  }
}

void add_line_errors(const std::vector<LineConfig>& lines, std::vector<ConfigError>& errors) {
  if (lines.empty()) {
    errors.push_back({"line", "no [[line]] is configured: no call can arrive and no callback can be made"});
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    if (line.inbound == InboundRoute::AutoAttendant && line.answer_delay_s == 0) {
      const std::string prefix = "line[" + std::to_string(i) + "].";
      std::string keys = prefix;
      keys.append("answer_delay_s, ").append(prefix).append("inbound");
      errors.push_back({std::move(keys),
                        "0 answers every call at once, so no caller can ring once and hang up: no callback "
                        "can ever be triggered (use at least 1, the sample has 8)"});
    }
  }
}

void check_prompts(const Config& c, const ivr::Menu& menu, std::vector<ConfigError>& errors) {
  namespace fs = std::filesystem;
  const fs::path dir = effective_prompts_dir(c.media);
  const fs::path lang = dir / c.media.language;
  std::error_code ec;
  if (!fs::is_directory(lang, ec)) {
    errors.push_back(
        {"media.language, media.prompts_dir",
         "no prompts for language \"" + c.media.language + "\": " + lang.string() + " is not a directory"});
    return;
  }
  std::string missing;  // one error for all of them: a wrong directory is one mistake, not six
  for (const auto& name : menu_prompts(menu)) {
    const std::string file = name + ".wav";
    if (fs::is_regular_file(lang / file, ec)) continue;
    if (!missing.empty()) missing += ", ";
    missing += file;
  }
  if (!missing.empty()) {
    errors.push_back(
        {"media.prompts_dir, media.language", "prompts missing in " + lang.string() + ": " + missing});
  }
}

}  // namespace

std::string effective_prompts_dir(const MediaConfig& media) {
  return media.prompts_dir.empty() ? CALLBACKD_DEFAULT_PROMPTS_DIR : media.prompts_dir;
}

namespace {

// The toll-fraud policy classifies numbers by country: a code libphonenumber does not know would make every
// number international (refused), or worse, match no country's rules at all.
std::string unknown_country(std::string_view got) {
  std::string message =
      "must be an ISO 3166 alpha-2 country code in upper case, such as \"US\" or \"GB\", got \"";
  message.append(got).append("\"");
  return message;
}

void add_line_country_errors(const std::vector<LineConfig>& lines, std::vector<ConfigError>& errors) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& country = lines[i].country;
    if (!country.empty() && !callback::is_known_country(country)) {
      errors.push_back({"line[" + std::to_string(i) + "].country", unknown_country(country)});
    }
  }
}

void check_countries(const Config& c, std::vector<ConfigError>& errors) {
  if (!callback::is_known_country(c.policy.country)) {
    errors.push_back({"policy.country", unknown_country(c.policy.country)});
  }
  add_line_country_errors(c.lines, errors);
}

}  // namespace

// A line's country is checked here too: web management edits it, and judges a change with these checks.
std::vector<ConfigError> check_lines(const std::vector<LineConfig>& lines) {
  std::vector<ConfigError> errors;
  add_line_country_errors(lines, errors);
  add_line_errors(lines, errors);
  return errors;
}

std::vector<ConfigError> check_config(const Config& config) {
  std::vector<ConfigError> errors;
  check_countries(config, errors);
  check_ports(config, errors);
  check_registrar(config, errors);
  add_line_errors(config.lines, errors);
  auto menu = attendant_menu(config.attendant);
  if (auto* problems = std::get_if<std::vector<std::string>>(&menu)) {
    for (auto& p : *problems)
      errors.push_back({"attendant.menu_file", config.attendant.menu_file + ": " + p});
    check_prompts(config, ivr::default_menu(), errors);
  } else {
    check_prompts(config, *std::get<std::shared_ptr<const ivr::Menu>>(menu), errors);
  }
  return errors;
}

}  // namespace callbackd::app

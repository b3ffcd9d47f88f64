// Checks across keys, and against the files a configuration names: what parses but cannot start, or can
// never make a callback. Each error names every key involved.
#include <arpa/inet.h>

#include <filesystem>

#include "app/config.hpp"

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

void check_lines(const Config& c, std::vector<ConfigError>& errors) {
  if (c.lines.empty()) {
    errors.push_back({"line", "no [[line]] is configured: no call can arrive and no callback can be made"});
  }
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    const auto& line = c.lines[i];
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

void check_prompts(const Config& c, std::vector<ConfigError>& errors) {
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
  for (const char* name : required_prompts()) {
    const std::string file = std::string(name) + ".wav";
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

const std::vector<const char*>& required_prompts() {
  static const std::vector<const char*> names = {"welcome", "you-entered", "goodbye",
                                                 "invalid", "no-input",    "digit-0"};
  return names;
}

std::vector<ConfigError> check_config(const Config& config) {
  std::vector<ConfigError> errors;
  check_ports(config, errors);
  check_registrar(config, errors);
  check_lines(config, errors);
  check_prompts(config, errors);
  return errors;
}

}  // namespace callbackd::app

#include "app/create_admin.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <istream>
#include <ostream>

#include "store/admin_store.hpp"
#include "store/store.hpp"

namespace callbackd::app {
namespace {

constexpr std::size_t kMinPassword = 12;
constexpr std::size_t kMaxPassword = 256;
constexpr std::size_t kMaxName = 64;

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= kMaxName && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._@-").find(c) != std::string_view::npos;
  });
}

const char* route_name(InboundRoute r) {
  switch (r) {
    case InboundRoute::AutoAttendant:
      return "auto-attendant";
    case InboundRoute::Reject:
      return "reject";
    case InboundRoute::Extension:
      return "extension";
  }
  return "";
}

}  // namespace

int create_admin(const Config& config, const std::string& name, std::istream& in, std::ostream& err) {
  if (!valid_name(name)) {
    err << "callbackd: an admin name is 1 to 64 of the characters A-Z a-z 0-9 . _ @ -\n";
    return 2;
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() < kMinPassword || password.size() > kMaxPassword) {
    err << "callbackd: the password (read from standard input) must be 12 to 256 characters\n";
    return 2;
  }
  ::umask(0077);  // the database holds password hashes: private to our user, as when serving
  std::filesystem::create_directories(std::filesystem::path(config.store.sqlite).parent_path());
  auto admins = store::open_sqlite_admin_store(config.store.sqlite);
  try {
    admins->create_admin({name, store::hash_admin_password(password), std::time(nullptr)});
  } catch (const store::DuplicateError&) {
    err << "callbackd: admin " << name << " already exists\n";
    return 1;
  }
  err << "callbackd: created admin " << name << "\n";
  return 0;
}

namespace {

// The toll-fraud rules an admin most needs to see when a call was refused.
nlohmann::json policy_view(const PolicyConfig& p) {
  return {{"country", p.country},
          {"allow_international", p.allow_international},
          {"allow_premium", p.allow_premium},
          {"allow_shared_cost", p.allow_shared_cost},
          {"allow_satellite", p.allow_satellite},
          {"allow_special", p.allow_special},
          {"allow", p.allow},
          {"deny", p.deny},
          {"deny_prefixes", p.deny_prefixes},
          {"remote_allow", p.remote_allow},
          {"max_relay_calls_per_caller", p.max_relay_calls_per_caller},
          {"max_relay_calls", p.max_relay_calls},
          {"max_relay_calls_per_hour", p.max_relay_calls_per_hour},
          {"max_relay_calls_per_day", p.max_relay_calls_per_day},
          {"max_relay_duration_s", p.max_relay_duration_s}};
}

nlohmann::json attendant_view(const AttendantConfig& a) {
  return {{"digit_timeout_s", a.digit_timeout_s},
          {"response_timeout_s", a.response_timeout_s},
          {"greeting_repeats", a.greeting_repeats},
          {"lockout_failures", a.lockout_failures},
          {"lockout_s", a.lockout_s},
          {"operator_extension", a.operator_extension},
          {"number", a.number},
          {"menu_file", a.menu_file}};
}

}  // namespace

nlohmann::json settings_view(const Config& config) {
  const auto& c = config.callback;
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& l : config.lines) {
    lines.push_back({{"name", l.name},
                     {"gateway", l.gateway.str()},
                     {"transport", l.transport == LineTransport::Tcp ? "tcp" : "udp"},
                     {"number", l.number},
                     {"channels", l.channels},
                     {"inbound", route_name(l.inbound)},
                     {"inbound_extension", l.inbound_extension},
                     {"answer_delay_s", l.answer_delay_s}});
  }
  return {{"source", "configuration file"},
          {"callback",
           {{"trigger_window_s", c.trigger_window_s},
            {"default_delay_s", c.default_delay_s},
            {"ring_timeout_s", c.ring_timeout_s},
            {"max_attempts", c.max_attempts},
            {"retry_delay_s", c.retry_delay_s},
            {"retry_backoff_max_s", c.retry_backoff_max_s},
            {"crash_settle_s", c.crash_settle_s},
            {"min_interval_s", c.min_interval_s},
            {"max_call_duration_s", c.max_call_duration_s},
            {"line_wait_s", c.line_wait_s},
            {"max_per_hour", c.max_per_hour},
            {"max_per_day", c.max_per_day},
            {"max_concurrent", c.max_concurrent}}},
          {"lines", lines},
          {"policy", policy_view(config.policy)},
          {"attendant", attendant_view(config.attendant)}};
}

}  // namespace callbackd::app

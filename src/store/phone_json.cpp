#include "store/phone_json.hpp"

namespace callbackd::store {
namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json phone_json(const AuthorizedPhone& p) {
  return {{"id", p.id},
          {"caller_type", to_string(p.caller_type)},
          {"caller_address", p.caller_address},
          {"login_extension", or_null(p.login_extension)},
          {"auto_call_relay", p.auto_call_relay},
          {"description", p.description},
          {"callback_enabled", p.callback_enabled},
          {"callback_type", to_string(p.callback_type)},
          {"callback_destination", p.callback_destination},
          {"callback_delay_s", or_null(p.callback_delay_s)}};
}

}  // namespace callbackd::store
